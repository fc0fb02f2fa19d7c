using Spectre.Console;
using PdnColorize.Engines;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Downloads;

namespace PdnColorize.Installer.Models;

/// <summary>One row of <c>models list</c>.</summary>
public sealed record ModelRow(string Id, string Name, string Where, string State, string Size, string Detail);

/// <summary>
/// <c>models list|download|import|verify|remove</c>. User models live in <see cref="SetupContext.ModelsDirectory"/> as
/// <c>&lt;id&gt;.onnx</c> + <c>&lt;id&gt;.json</c> (the manifest ModelStore reads). Nothing enters that folder before it
/// has passed its SHA-256 check and the I/O contract check, and the .onnx is written before its manifest, so a model
/// is never listed half-written.
/// </summary>
public sealed class ModelManager(SetupContext context, ModelCatalog catalog, string? embeddedDirectory)
{
    private void Say(string text) => context.Console.WriteLine(text);

    private ModelStore Store => new(embeddedDirectory ?? Path.Combine(context.DataDirectory, "no-embedded-models"), context.ModelsDirectory);

    public IReadOnlyList<ModelRow> List()
    {
        var rows = new List<ModelRow>();
        var installed = Store.List();
        foreach (var entry in installed)
        {
            var m = entry.Manifest;
            rows.Add(new ModelRow(m.Id, m.Name, entry.Embedded ? "plugin" : "user", "installed",
                Units.Bytes(new FileInfo(entry.ModelPath).Length), $"{(m.DynamicSize ? "dynamic size" : $"{m.InputSize}px")}, {m.License}".TrimEnd(' ', ',')));
        }
        foreach (var c in catalog.Models)
        {
            if (installed.Any(e => string.Equals(e.Manifest.Id, c.Id, StringComparison.OrdinalIgnoreCase))) continue;
            string state = c.IsEmbedded ? "in the plugin" : c.IsCheckpoint ? "download + convert" : "available";
            rows.Add(new ModelRow(c.Id, c.Name, "catalog", state, c.SizeText, c.License));
        }
        return rows;
    }

    /// <summary>Downloads a catalog model. ONNX: verified, contract-checked, installed. Checkpoint: downloaded, with the conversion steps.</summary>
    public async Task<string> DownloadAsync(string id, CancellationToken cancellation)
    {
        var entry = catalog.FindModel(id) ?? throw new UsageException(
            $"no model '{id}' in the catalog. Known: {string.Join(", ", catalog.Models.Select(m => m.Id))}. " +
            "Custom ONNX URLs go into a user catalog (see docs/installer.md) or 'models download --url URL --id ID'.");
        if (entry.IsEmbedded)
        {
            Say($"{entry.Id} ships inside the plugin; nothing to download.");
            return "";
        }
        if (entry.Url is null) throw new UsageException($"catalog entry '{entry.Id}' has no url.");
        return await DownloadAsync(entry, cancellation).ConfigureAwait(false);
    }

    public async Task<string> DownloadAsync(CatalogModel entry, CancellationToken cancellation)
    {
        var downloader = new Downloader(context.Http, context.DownloadOptions);
        var urls = new[] { entry.Url! }.Concat(entry.MirrorUrls).ToList();
        string fileName = entry.FileName ?? SafeFileName(new Uri(entry.Url!).Segments.LastOrDefault() ?? entry.Id);
        string downloaded = Path.Combine(context.DownloadsDirectory, entry.IsOnnx ? entry.Id + ".onnx" : fileName);
        if (entry.Sha256 is null)
            Say($"note: the catalog has no SHA-256 for {entry.Id}; the download cannot be verified against a published hash.");

        DownloadResult? result = null;
        for (int i = 0; i < urls.Count; i++)
        {
            try
            {
                result = await DownloadUi.RunAsync(context.Console, downloader, entry.Name, new Uri(urls[i]), downloaded, entry.Sha256, entry.SizeBytes, cancellation)
                    .ConfigureAwait(false);
                break;
            }
            catch (DownloadException e) when (i + 1 < urls.Count)
            {
                Say($"  {e.Message} Trying the next mirror.");
            }
        }

        if (entry.IsCheckpoint)
        {
            Say($"Downloaded the checkpoint to {downloaded}.");
            Say("It is a PyTorch .pth file; convert it to ONNX in the model contract, then import it:");
            Say("  " + (entry.Convert ?? "python engines/models/export_ddcolor.py --help").Replace("{weights}", downloaded));
            Say($"  pdncolorize-setup models import <the .onnx it wrote>");
            return downloaded;
        }

        try
        {
            var manifest = new ModelManifest
            {
                Id = entry.Id,
                Name = entry.Name,
                InputSize = entry.InputSize,
                DynamicSize = entry.DynamicSize,
                License = entry.License,
                Source = entry.Source.Length > 0 ? entry.Source : entry.Url!,
                Sha256 = result!.Sha256,
                Parameters = entry.Parameters,
                Notes = entry.Notes,
            };
            return Place(downloaded, manifest, move: true, force: true);
        }
        finally
        {
            if (File.Exists(downloaded)) File.Delete(downloaded); // refused by the contract check: keep nothing
        }
    }

    /// <summary>Imports a local ONNX: contract check first (a wrong shape is refused, nothing written), then a copy and its manifest.</summary>
    public string Import(string file, string? id, string? name, bool force)
    {
        if (!File.Exists(file)) throw new UsageException($"no such file: {file}");
        if (!file.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{file} is not an .onnx file. A DDColor .pth must be converted first with engines/models/export_ddcolor.py.");
        string sha = ModelFingerprint.Compute(file);
        string besideManifest = Path.ChangeExtension(file, ".json");
        ModelManifest manifest;
        if (File.Exists(besideManifest))
        {
            manifest = ModelManifest.Read(besideManifest);
            if (manifest.Sha256.Length > 0 && !string.Equals(manifest.Sha256, sha, StringComparison.OrdinalIgnoreCase))
                throw new ModelContractException($"{file} has SHA-256 {sha}, but its manifest {besideManifest} says {manifest.Sha256}.");
            manifest = manifest with { Sha256 = sha, Id = id ?? manifest.Id, Name = name ?? manifest.Name };
        }
        else
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            manifest = new ModelManifest { Id = id ?? stem, Name = name ?? stem, Source = Path.GetFullPath(file), Sha256 = sha, Notes = "imported with pdncolorize-setup" };
        }
        return Place(file, manifest, move: false, force);
    }

    private string Place(string source, ModelManifest manifest, bool move, bool force)
    {
        if (!IsValidId(manifest.Id))
            throw new UsageException($"model id '{manifest.Id}' may hold only letters, digits, '.', '-' and '_'. Choose one with --id.");
        if (string.Equals(manifest.Id, ModelStore.DefaultModelId, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"'{manifest.Id}' is the embedded model's id; choose another with --id.");

        // The I/O contract, checked by opening the model the way the plugin does (ModelContractException: exit 3).
        using (var session = ChromaSession.OpenCpu(source, intraOpThreads: 1))
        {
            var sig = session.Signature;
            if (sig.FixedSize is { } s) manifest = manifest with { InputSize = s, DynamicSize = false };
            else manifest = manifest with { DynamicSize = true, InputSize = manifest.InputSize > 0 ? manifest.InputSize : 512 };
        }

        Directory.CreateDirectory(context.ModelsDirectory);
        string onnx = Path.Combine(context.ModelsDirectory, manifest.Id + ".onnx");
        string json = Path.ChangeExtension(onnx, ".json");
        if (!force && (File.Exists(onnx) || File.Exists(json)))
            throw new UsageException($"a model with id '{manifest.Id}' is already installed; 'models remove {manifest.Id}' first, or pass --force.");

        string tmp = onnx + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            if (move) File.Move(source, tmp);
            else File.Copy(source, tmp);
            if (File.Exists(json)) File.Delete(json); // the old manifest must not describe the new file for a moment
            File.Move(tmp, onnx, overwrite: true);
            string jsonTmp = json + ".tmp";
            File.WriteAllText(jsonTmp, manifest.ToJson());
            File.Move(jsonTmp, json, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        Say($"Installed model {manifest.Id} ({manifest.Name}) in {context.ModelsDirectory}: contract OK, sha256 {manifest.Sha256}.");
        return onnx;
    }

    /// <summary>SHA-256 against each manifest and the I/O contract, for every installed model. False when any fails.</summary>
    public bool Verify(out IReadOnlyList<(string Id, bool Ok, string Detail)> results)
    {
        var list = new List<(string, bool, string)>();
        foreach (var (entry, ok, detail) in Store.Verify())
        {
            string d = detail;
            bool good = ok;
            if (ok)
            {
                try
                {
                    using var session = ChromaSession.OpenCpu(entry.ModelPath, intraOpThreads: 1);
                    d += "; contract OK";
                }
                catch (ModelContractException e)
                {
                    good = false;
                    d += "; " + e.Message;
                }
            }
            list.Add((entry.Manifest.Id + (entry.Embedded ? " (plugin)" : ""), good, d));
        }
        results = list;
        return list.All(r => r.Item2);
    }

    public void Remove(string id)
    {
        var entry = Store.List().FirstOrDefault(e => string.Equals(e.Manifest.Id, id, StringComparison.OrdinalIgnoreCase))
                    ?? throw new UsageException($"no installed model '{id}'.");
        if (entry.Embedded)
            throw new UsageException($"'{id}' ships inside the plugin; 'pdncolorize-setup uninstall' removes it with the plugin.");
        File.Delete(Path.ChangeExtension(entry.ModelPath, ".json")); // unlisted first, then gone
        File.Delete(entry.ModelPath);
        Say($"Removed model {entry.Manifest.Id} from {context.ModelsDirectory}.");
    }

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && id[0] != '.';

    private static string SafeFileName(string name)
    {
        name = Uri.UnescapeDataString(name).Trim('/');
        foreach (var c in Path.GetInvalidFileNameChars()) name = name.Replace(c, '_');
        return name.Length == 0 ? "download.bin" : name;
    }
}
