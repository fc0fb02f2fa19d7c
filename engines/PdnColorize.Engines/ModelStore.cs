namespace PdnColorize.Engines;

/// <summary>One model the product can use: its file, its manifest, and where it came from.</summary>
public sealed record ModelEntry(ModelManifest Manifest, string ModelPath, bool Embedded);

/// <summary>
/// Finds models: the embedded ones shipped in <c>models/</c> beside this assembly, then the user's installed ones
/// (<c>PDNCOLORIZE_MODELS</c>, else the local app data folder). A model is a <c>.onnx</c> with a manifest beside it.
/// </summary>
public sealed class ModelStore
{
    /// <summary>The id of the model that runs when the user names none.</summary>
    public const string DefaultModelId = "pdnc-resnet18-v2";

    public ModelStore(string embeddedDirectory, string? userDirectory)
    {
        EmbeddedDirectory = embeddedDirectory;
        UserDirectory = userDirectory;
    }

    public string EmbeddedDirectory { get; }
    public string? UserDirectory { get; }

    public static ModelStore Default() => new(
        Path.Combine(Path.GetDirectoryName(typeof(ModelStore).Assembly.Location) ?? AppContext.BaseDirectory, "models"),
        Environment.GetEnvironmentVariable("PDNCOLORIZE_MODELS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "PdnColorize", "models"));

    /// <summary>All models with a readable manifest, embedded ones first, the default model first of all.</summary>
    public IReadOnlyList<ModelEntry> List()
    {
        var list = new List<ModelEntry>();
        list.AddRange(Scan(EmbeddedDirectory, embedded: true).OrderBy(e => e.Manifest.Id == DefaultModelId ? 0 : 1).ThenBy(e => e.Manifest.Id));
        if (UserDirectory is not null)
            list.AddRange(Scan(UserDirectory, embedded: false).OrderBy(e => e.Manifest.Id));
        return list;
    }

    /// <summary>
    /// Resolves what the user asked for: nothing (the default model), an id, or a path to an .onnx file
    /// (its manifest is optional; without one the model is described from its file name).
    /// </summary>
    public ModelEntry Resolve(string? idOrPath)
    {
        if (string.IsNullOrWhiteSpace(idOrPath))
        {
            return List().FirstOrDefault(e => e.Manifest.Id == DefaultModelId)
                   ?? throw new ModelContractException(
                       $"The embedded model '{DefaultModelId}' is missing from {EmbeddedDirectory}. Reinstall PdnColorize.");
        }

        if (idOrPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || File.Exists(idOrPath))
        {
            if (!File.Exists(idOrPath)) throw new ModelContractException($"Model file not found: {idOrPath}");
            string full = Path.GetFullPath(idOrPath);
            string manifestPath = Path.ChangeExtension(full, ".json");
            var manifest = File.Exists(manifestPath)
                ? ModelManifest.Read(manifestPath)
                : new ModelManifest { Id = Path.GetFileNameWithoutExtension(full), Name = Path.GetFileName(full), DynamicSize = true, Source = full };
            return new ModelEntry(manifest, full, Embedded: false);
        }

        return List().FirstOrDefault(e => string.Equals(e.Manifest.Id, idOrPath, StringComparison.OrdinalIgnoreCase))
               ?? throw new ModelContractException(
                   $"No model with id '{idOrPath}'. Installed: {string.Join(", ", List().Select(e => e.Manifest.Id))}.");
    }

    /// <summary>Checks each model's file against the SHA-256 of its manifest.</summary>
    public IEnumerable<(ModelEntry Entry, bool Ok, string Detail)> Verify()
    {
        foreach (var entry in List())
        {
            if (string.IsNullOrEmpty(entry.Manifest.Sha256))
            {
                yield return (entry, false, "manifest has no sha256");
                continue;
            }
            string actual = ModelFingerprint.Compute(entry.ModelPath);
            bool ok = string.Equals(actual, entry.Manifest.Sha256, StringComparison.OrdinalIgnoreCase);
            yield return (entry, ok, ok ? "sha256 matches" : $"sha256 {actual} differs from manifest {entry.Manifest.Sha256}");
        }
    }

    private static IEnumerable<ModelEntry> Scan(string directory, bool embedded)
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var onnx in Directory.EnumerateFiles(directory, "*.onnx"))
        {
            string manifestPath = Path.ChangeExtension(onnx, ".json");
            if (!File.Exists(manifestPath)) continue;
            ModelManifest manifest;
            try { manifest = ModelManifest.Read(manifestPath); }
            catch (ModelContractException) { continue; } // listed by `models verify`, not fatal for listing
            yield return new ModelEntry(manifest, onnx, embedded);
        }
    }
}
