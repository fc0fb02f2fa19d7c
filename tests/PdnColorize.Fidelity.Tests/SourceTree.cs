using System.Reflection;
using System.Runtime.CompilerServices;

namespace PdnColorize.Fidelity.Tests;

/// <summary>
/// Paths in the source tree. Goldens live in <c>tests/PdnColorize.Fidelity.Tests/Snapshots/</c> and are read and
/// (with UPDATE_SNAPSHOTS=1) written there, never under bin/. The project folder comes from the build (an assembly
/// metadata attribute set to $(MSBuildProjectDirectory)); [CallerFilePath] is the fallback.
/// </summary>
public static class SourceTree
{
    public static string ProjectDirectory { get; } = Find();

    public static string Snapshots => Path.Combine(ProjectDirectory, "Snapshots");

    /// <summary>The repository root (two levels above the project).</summary>
    public static string RepoRoot => Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".."));

    private static string Find([CallerFilePath] string thisFile = "")
    {
        string? fromBuild = typeof(SourceTree).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "FidelitySourceDir")?.Value;
        if (fromBuild is { Length: > 0 } && Directory.Exists(fromBuild)) return fromBuild;
        return Path.GetDirectoryName(thisFile)!;
    }
}
