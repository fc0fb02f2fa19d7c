using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using PdnColorize.Engines;

namespace PdnColorize.Installer.Catalog;

/// <summary>A model the catalog knows: the embedded one, official checkpoints to convert, or ONNX files to download.</summary>
public sealed record CatalogModel
{
    // Properties with a default are { get; set; }: System.Text.Json's source generator passes init-only properties
    // through an object initializer and so loses the default of one missing from the file (dotnet/runtime#84484).
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>"embedded" (ships in the plugin), "onnx" (download and use), "pth" (download, then convert).</summary>
    public required string Format { get; init; }
    public string? Url { get; init; }
    public IReadOnlyList<string> MirrorUrls { get; set; } = [];
    /// <summary>The official page that names the file, for the user to check.</summary>
    public string? Page { get; init; }
    public string? FileName { get; init; }
    public string? Sha256 { get; init; }
    public long? SizeBytes { get; init; }
    /// <summary>Free text when the exact size is not known ("about 910 MB (third-party report)", "unknown").</summary>
    public string? ApproxSize { get; init; }
    public int InputSize { get; set; } = 512;
    public bool DynamicSize { get; init; }
    public string License { get; set; } = "";
    public string Source { get; set; } = "";
    public long Parameters { get; init; }
    public string Notes { get; set; } = "";
    /// <summary>For "pth": the command that turns the checkpoint into a contract ONNX (engines/models/export_ddcolor.py).</summary>
    public string? Convert { get; init; }

    // For "onnx": the model descriptor (ModelManifest's fields of the same names) and what the publisher says.
    /// <summary>gray-rgb01 | gray-rgb255 | L100.</summary>
    public string? Input { get; init; }
    /// <summary>lab-ab | rgb01 | rgb255.</summary>
    public string? Output { get; init; }
    public int? SizeMultiple { get; init; }
    /// <summary>"zeros": inputs after the first are fed zeros (ModelManifest.ExtraInputs).</summary>
    public string? ExtraInputs { get; init; }
    public int? MinSize { get; init; }
    public int? MaxSize { get; init; }
    public IReadOnlyList<int>? RecommendedSizes { get; init; }
    /// <summary>
    /// The publisher's checksum file when it states no SHA-256: FaceFusion's <c>.hash</c> files hold the CRC-32 of the
    /// model as 8 hex digits. The download is checked against it; its SHA-256 is then computed and recorded.
    /// </summary>
    public string? HashUrl { get; init; }
    public IReadOnlyList<string> HashMirrorUrls { get; set; } = [];
    /// <summary>"DDColor", "DeOldify", "Zhang".</summary>
    public string? Family { get; init; }
    /// <summary>e.g. "large (ConvNeXt-L), fp32, dynamic size".</summary>
    public string? Variant { get; init; }
    /// <summary>"low" | "medium" | "high": a coarse class from the architecture, not a measurement (see notes).</summary>
    public string? VramClass { get; init; }
    /// <summary>"gpu" or "cpu": the catalog's pick for that kind of machine.</summary>
    public string? RecommendedFor { get; init; }

    public bool HasChecksum => Sha256 is { Length: 64 } || HashUrl is { Length: > 0 };

    public bool IsEmbedded => string.Equals(Format, "embedded", StringComparison.OrdinalIgnoreCase);
    public bool IsOnnx => string.Equals(Format, "onnx", StringComparison.OrdinalIgnoreCase);
    public bool IsCheckpoint => string.Equals(Format, "pth", StringComparison.OrdinalIgnoreCase);

    public string SizeText => SizeBytes is { } b ? Units.Bytes(b)
        : ApproxSize is { } a && a.StartsWith("about ", StringComparison.Ordinal) ? a.Split('(')[0].Trim()
        : "unknown";
}

/// <summary>A file to take from a runtime archive: its path inside the archive and where it goes in the plugin folder.</summary>
public sealed record RuntimeFile(string From, string To);

/// <summary>An optional runtime download, e.g. ONNX Runtime's CUDA/TensorRT provider DLLs for win-x64.</summary>
public sealed record CatalogRuntime
{
    // Properties with a default are { get; set; }: System.Text.Json's source generator passes init-only properties
    // through an object initializer and so loses the default of one missing from the file (dotnet/runtime#84484).
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>"cuda" (CUDA + TensorRT providers).</summary>
    public required string Kind { get; init; }
    /// <summary>"win-x64", "linux-x64", or "any".</summary>
    public required string Platform { get; init; }
    public required string Url { get; init; }
    public string? Sha256 { get; init; }
    public long? SizeBytes { get; init; }
    /// <summary>"zip" (a .nupkg is a zip).</summary>
    public string Format { get; set; } = "zip";
    public required IReadOnlyList<RuntimeFile> Files { get; init; }
    public string Requires { get; set; } = "";
    public string License { get; set; } = "";
    public string Notes { get; set; } = "";
}

public sealed record CatalogDocument
{
    // Properties with a default are { get; set; }: System.Text.Json's source generator passes init-only properties
    // through an object initializer and so loses the default of one missing from the file (dotnet/runtime#84484).
    public int Schema { get; set; } = 1;
    public IReadOnlyList<CatalogModel> Models { get; set; } = [];
    public IReadOnlyList<CatalogRuntime> Runtimes { get; set; } = [];
}

/// <summary>
/// The model and runtime catalog: the built-in engines/models/catalog.json (embedded in the exe), then the user's
/// DataDirectory/catalog.json, then PDNCOLORIZE_CATALOG / --catalog. A later entry with the same id replaces an
/// earlier one, so a user can point an id at a mirror or add custom ONNX URLs.
/// </summary>
public sealed class ModelCatalog
{
    public const string ResourceName = "PdnColorize.Installer.catalog.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = InstallerJson.Default,
    };

    public ModelCatalog(IEnumerable<CatalogModel> models, IEnumerable<CatalogRuntime> runtimes, IReadOnlyList<string> sources)
    {
        Models = models.ToList();
        Runtimes = runtimes.ToList();
        Sources = sources;
    }

    public IReadOnlyList<CatalogModel> Models { get; }
    public IReadOnlyList<CatalogRuntime> Runtimes { get; }
    public IReadOnlyList<string> Sources { get; }

    public CatalogModel? FindModel(string id) =>
        Models.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The runtime of <paramref name="kind"/> for this machine ("any" entries fit everywhere).</summary>
    public CatalogRuntime? FindRuntime(string kind, string? platform = null)
    {
        platform ??= CurrentPlatform;
        return Runtimes.FirstOrDefault(r => string.Equals(r.Kind, kind, StringComparison.OrdinalIgnoreCase)
                                            && (string.Equals(r.Platform, platform, StringComparison.OrdinalIgnoreCase) || r.Platform == "any"));
    }

    public static string CurrentPlatform =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    public static CatalogDocument Parse(string json, string origin)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Json.Of<CatalogDocument>()) ?? throw new UsageException($"catalog {origin} is empty.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"catalog {origin} is not valid JSON for a catalog: {e.Message}");
        }
    }

    public static string BuiltInJson()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException("the built-in catalog is missing from the installer");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The built-in catalog merged with the optional files that exist (missing optional files are skipped).</summary>
    public static ModelCatalog Load(string? userCatalog, string? extraCatalog)
    {
        var models = new List<CatalogModel>();
        var runtimes = new List<CatalogRuntime>();
        var sources = new List<string> { "built-in" };
        Merge(Parse(BuiltInJson(), "built-in"), models, runtimes);
        if (userCatalog is not null && File.Exists(userCatalog))
        {
            Merge(Parse(File.ReadAllText(userCatalog), userCatalog), models, runtimes);
            sources.Add(userCatalog);
        }
        if (extraCatalog is not null)
        {
            if (!File.Exists(extraCatalog)) throw new UsageException($"catalog file {extraCatalog} does not exist.");
            Merge(Parse(File.ReadAllText(extraCatalog), extraCatalog), models, runtimes);
            sources.Add(extraCatalog);
        }
        return new ModelCatalog(models, runtimes, sources);
    }

    private static void Merge(CatalogDocument doc, List<CatalogModel> models, List<CatalogRuntime> runtimes)
    {
        foreach (var m in doc.Models)
        {
            models.RemoveAll(x => string.Equals(x.Id, m.Id, StringComparison.OrdinalIgnoreCase));
            models.Add(m);
        }
        foreach (var r in doc.Runtimes)
        {
            runtimes.RemoveAll(x => string.Equals(x.Id, r.Id, StringComparison.OrdinalIgnoreCase));
            runtimes.Add(r);
        }
    }
}

public static class Units
{
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
