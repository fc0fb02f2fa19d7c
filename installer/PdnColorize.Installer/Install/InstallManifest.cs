using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PdnColorize.Engines;

namespace PdnColorize.Installer.Install;

/// <summary>One file the installer put into the plugin folder (path relative to it, '/'-separated).</summary>
public sealed record InstalledFile(string Path, long Size, string Sha256, string Origin)
{
    public const string FromPayload = "payload";
    public const string FromGpuRuntime = "gpu-runtime";
}

/// <summary>
/// <c>Effects/PdnColorize/pdncolorize-install.json</c>: exactly what an install wrote, so uninstall removes that and
/// nothing else, and repair and status can check every file.
/// </summary>
public sealed record InstallManifest
{
    // Properties with a default are { get; set; }: System.Text.Json's source generator passes init-only properties
    // through an object initializer and so loses the default of one missing from the file (dotnet/runtime#84484).
    public int Schema { get; set; } = 1;
    public string Product { get; set; } = "PdnColorize";
    public required string Version { get; init; }
    public string InstallerVersion { get; set; } = typeof(InstallManifest).Assembly.GetName().Version?.ToString(3) ?? "0";
    public DateTime InstalledUtc { get; set; } = DateTime.UtcNow;
    public required string PaintDotNet { get; init; }
    public required string Edition { get; init; }
    public string? PaintDotNetVersion { get; init; }
    /// <summary>"none" or "cuda".</summary>
    public string Gpu { get; set; } = "none";
    public string? GpuRuntime { get; init; }
    /// <summary>True when the installer created the Effects folder itself: uninstall then removes it when it is empty.</summary>
    public bool EffectsDirectoryCreated { get; init; }
    public required IReadOnlyList<InstalledFile> Files { get; init; }
    /// <summary>Sub-folders of the plugin folder the install created, '/'-separated.</summary>
    public IReadOnlyList<string> Directories { get; set; } = [];

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        TypeInfoResolver = InstallerJson.Default,
    };

    public static InstallManifest? TryRead(string pluginDir)
    {
        string path = System.IO.Path.Combine(pluginDir, PdnColorize.Installer.Discovery.PluginLayout.ManifestName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), Json.Of<InstallManifest>());
        }
        catch (JsonException e)
        {
            throw new SetupException($"The install manifest {path} is damaged ({e.Message}). Run 'pdncolorize-setup install --force' to reinstall.", e);
        }
    }

    public void Write(string pluginDir) =>
        File.WriteAllText(System.IO.Path.Combine(pluginDir, PdnColorize.Installer.Discovery.PluginLayout.ManifestName), JsonSerializer.Serialize(this, Json.Of<InstallManifest>()));

    /// <summary>Checks each listed file against its size and SHA-256.</summary>
    public (List<InstalledFile> Missing, List<InstalledFile> Modified) Check(string pluginDir)
    {
        var missing = new List<InstalledFile>();
        var modified = new List<InstalledFile>();
        foreach (var f in Files)
        {
            string full = System.IO.Path.Combine(pluginDir, f.Path);
            if (!File.Exists(full)) missing.Add(f);
            else if (new FileInfo(full).Length != f.Size || !string.Equals(Hash(full), f.Sha256, StringComparison.OrdinalIgnoreCase)) modified.Add(f);
        }
        return (missing, modified);
    }

    public static string Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
