using Spectre.Console;
using PdnColorize.Engines;
using PdnColorize.Engines.Descriptors;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Downloads;

namespace PdnColorize.Installer.Models;

/// <summary>One row of <c>models list</c>.</summary>
public sealed record ModelRow(string Id, string Name, string Where, string State, string Size, string Detail, string Io = "");

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
            string io;
            try { io = ContractAdapter.Plan(entry.ModelPath, m).Descriptor.ToString(); }
            catch (ModelContractException) { io = "unknown (see models verify)"; }
            rows.Add(new ModelRow(m.Id, m.Name, entry.Embedded ? "plugin" : "user", "installed",
                Units.Bytes(new FileInfo(entry.ModelPath).Length), $"{(m.DynamicSize ? "dynamic size" : $"{m.InputSize}px")}, {m.License}".TrimEnd(' ', ','), io));
        }
        foreach (var c in catalog.Models)
        {
            if (installed.Any(e => string.Equals(e.Manifest.Id, c.Id, StringComparison.OrdinalIgnoreCase))) continue;
            string state = c.IsEmbedded ? "in the plugin" : c.IsCheckpoint ? "download + convert" : "available";
            if (c.RecommendedFor is { } pick) state += $" (pick for {pick.ToUpperInvariant()})";
            string io = c.IsOnnx ? $"{c.Input ?? "inferred"} -> {c.Output ?? "inferred"}" : c.IsCheckpoint ? "convert first" : "";
            rows.Add(new ModelRow(c.Id, c.Name, "catalog", state, c.SizeText, c.License, io));
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
        string? expectedCrc = null;
        if (entry.HashUrl is { Length: > 0 } hashUrl)
        {
            expectedCrc = await Crc32File.FetchExpectedAsync(context.Http, [hashUrl, .. entry.HashMirrorUrls], cancellation).ConfigureAwait(false);
            Say($"The publisher's hash file gives CRC-32 {expectedCrc} for {entry.Id}.");
        }
        else if (entry.Sha256 is null)
            Say($"note: the catalog has no SHA-256 for {entry.Id}; the download cannot be verified against a published hash.");

        DownloadResult? result = null;
        for (int i = 0; i < urls.Count; i++)
        {
            try
            {
                result = await DownloadUi.RunAsync(context.Console, downloader, entry.Name, new Uri(urls[i]), downloaded, entry.Sha256, entry.SizeBytes, cancellation,
                        crc32Follows: expectedCrc is not null)
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
            string notes = entry.Notes;
            if (expectedCrc is not null)
            {
                string actualCrc = await Crc32File.ComputeAsync(downloaded, cancellation).ConfigureAwait(false);
                if (actualCrc != expectedCrc)
                    throw new HashMismatchException(
                        $"CRC-32 mismatch for {entry.Id}: the publisher's hash file ({entry.HashUrl}) says {expectedCrc}, the download has " +
                        $"{actualCrc}. The file was deleted; nothing was installed.");
                Say($"  CRC-32 {actualCrc} matches the publisher's hash file.");
                notes = $"{notes} CRC-32 {actualCrc} verified against {entry.HashUrl} at install; sha256 computed then.".Trim();
            }
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
                Notes = notes,
                Input = entry.Input,
                Output = entry.Output,
                SizeMultiple = entry.SizeMultiple,
                ExtraInputs = entry.ExtraInputs,
                MinSize = entry.MinSize,
                MaxSize = entry.MaxSize,
                RecommendedSizes = entry.RecommendedSizes,
                Family = entry.Family,
            };
            return Place(downloaded, manifest, move: true, force: true);
        }
        finally
        {
            if (File.Exists(downloaded)) File.Delete(downloaded); // refused by the contract check: keep nothing
        }
    }

    /// <summary>Imports a local ONNX: contract check first (a wrong shape is refused, nothing written), then a copy and its manifest.</summary>
    public string Import(string file, string? id, string? name, bool force, string? input = null, string? output = null)
    {
        if (input is not null && !ModelDescriptor.IsInputName(input))
            throw new UsageException($"--input {input}: use one of {string.Join(", ", ModelDescriptor.InputNames)}.");
        if (output is not null && !ModelDescriptor.IsOutputName(output))
            throw new UsageException($"--output {output}: use one of {string.Join(", ", ModelDescriptor.OutputNames)}.");
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
        manifest = manifest with { Input = input ?? manifest.Input, Output = output ?? manifest.Output };
        return Place(file, manifest, move: false, force);
    }

    private string Place(string source, ModelManifest manifest, bool move, bool force)
    {
        if (!IsValidId(manifest.Id))
            throw new UsageException($"model id '{manifest.Id}' may hold only letters, digits, '.', '-' and '_'. Choose one with --id.");
        if (string.Equals(manifest.Id, ModelStore.DefaultModelId, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"'{manifest.Id}' is the embedded model's id; choose another with --id.");

        // The descriptor and the I/O contract, checked by opening the (adapted) model the way the plugin does, then one
        // smoke inference that must give finite, varying colours (ModelContractException: exit 3, nothing written).
        var check = ModelCheck.Run(source, manifest, context.DownloadsDirectory);
        if (check.FixedSize is { } s) manifest = manifest with { InputSize = s, DynamicSize = false };
        else manifest = manifest with { DynamicSize = true, InputSize = manifest.InputSize > 0 ? manifest.InputSize : 512 };
        // The resolved descriptor is written out, so the plugin never has to infer it again.
        manifest = manifest with { Input = check.Descriptor.InputName, Output = check.Descriptor.OutputName };

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
        Say($"Installed model {manifest.Id} ({manifest.Name}) in {context.ModelsDirectory}: contract OK ({check.Summary}), sha256 {manifest.Sha256}.");
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
                    var check = ModelCheck.Run(entry.ModelPath, entry.Manifest, context.DownloadsDirectory);
                    d += $"; contract OK ({check.Summary})";
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
