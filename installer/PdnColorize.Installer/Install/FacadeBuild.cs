using PdnColorize.Installer.Discovery;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PdnColorize.Installer.Install;

/// <summary>
/// Recognises a plugin folder built against PdnColorize's compile facade instead of Paint.NET's own DLLs: Paint.NET
/// cannot load it, so it must never be installed. Two signs, either is enough: package.sh's marker file, and the main
/// assembly referencing the facade assembly (read from its metadata, nothing is loaded).
/// </summary>
public static class FacadeBuild
{
    public const string MarkerName = "FACADE-BUILD-NOT-FOR-USE.txt";
    public const string FacadeAssemblyName = "PdnColorize.PaintDotNet.Facade";

    /// <summary>Development only: installs a facade build anyway (to try the installer's own steps), with a warning.</summary>
    public const string AllowVariable = "PDNCOLORIZE_ALLOW_FACADE_BUILD";

    /// <summary>Why <paramref name="payloadDir"/> is a facade build, or null when it is not one.</summary>
    public static string? Detect(string payloadDir)
    {
        if (File.Exists(Path.Combine(payloadDir, MarkerName)))
            return $"it holds {MarkerName}";
        string dll = Path.Combine(payloadDir, PluginLayout.FolderName + ".dll");
        if (File.Exists(dll) && ReferencesFacade(dll))
            return $"{PluginLayout.FolderName}.dll references {FacadeAssemblyName}";
        return null;
    }

    private static bool ReferencesFacade(string dll)
    {
        try
        {
            using var stream = File.OpenRead(dll);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return false;
            var md = pe.GetMetadataReader();
            return md.AssemblyReferences.Any(h => md.GetString(md.GetAssemblyReference(h).Name) == FacadeAssemblyName);
        }
        catch (BadImageFormatException)
        {
            return false; // not a .NET assembly: nothing to tell from it
        }
    }
}
