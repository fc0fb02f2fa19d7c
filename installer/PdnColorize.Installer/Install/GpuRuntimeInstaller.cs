using Spectre.Console;
using System.IO.Compression;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Downloads;

namespace PdnColorize.Installer.Install;

/// <summary>
/// The optional GPU runtime: ONNX Runtime's CUDA/TensorRT provider DLLs (and the matching GPU build of onnxruntime.dll),
/// downloaded once into the user's downloads folder (SHA-256 checked, resumable) and extracted into the staged plugin.
/// A runtime file replaces any payload file of the same name wherever the payload keeps it (the CPU onnxruntime.dll
/// cannot drive the CUDA provider); otherwise it goes where the catalog entry says.
/// </summary>
public sealed class GpuRuntimeInstaller(SetupContext context)
{
    public async Task<string> FetchAsync(CatalogRuntime runtime, CancellationToken cancellation)
    {
        string name = runtime.Id + (runtime.Format.Equals("zip", StringComparison.OrdinalIgnoreCase) ? ".zip" : "." + runtime.Format);
        string archive = Path.Combine(context.DownloadsDirectory, name);
        if (File.Exists(archive))
        {
            if (runtime.Sha256 is { Length: > 0 } want
                && string.Equals(await Downloader.HashAsync(archive, cancellation).ConfigureAwait(false), want, StringComparison.OrdinalIgnoreCase))
            {
                context.Console.WriteLine($"Using the downloaded {runtime.Name} ({archive}, SHA-256 verified).");
                return archive;
            }
            File.Delete(archive);
        }
        var downloader = new Downloader(context.Http, context.DownloadOptions);
        await DownloadUi.RunAsync(context.Console, downloader, runtime.Name, new Uri(runtime.Url), archive, runtime.Sha256, runtime.SizeBytes, cancellation)
            .ConfigureAwait(false);
        return archive;
    }

    /// <summary>Extracts the runtime's files into <paramref name="stagingDir"/>; returns their paths relative to it.</summary>
    public static IReadOnlyList<string> Extract(string archive, CatalogRuntime runtime, string stagingDir, IReadOnlyCollection<string> payloadFiles)
    {
        var placed = new List<string>();
        using var zip = ZipFile.OpenRead(archive);
        foreach (var file in runtime.Files)
        {
            var entry = zip.GetEntry(file.From)
                        ?? zip.Entries.FirstOrDefault(e => string.Equals(e.FullName, file.From, StringComparison.OrdinalIgnoreCase))
                        ?? throw new SetupException($"{runtime.Name}: the archive has no {file.From}; the catalog entry does not fit the download.");
            string leaf = Path.GetFileName(file.To);
            var targets = payloadFiles.Where(p => string.Equals(Path.GetFileName(p), leaf, StringComparison.OrdinalIgnoreCase)).ToList();
            if (targets.Count == 0) targets.Add(file.To.Replace('\\', '/'));
            foreach (var rel in targets)
            {
                if (!PluginInstaller.IsSafeRelative(rel))
                    throw new SetupException($"{runtime.Name}: the catalog asks to write {rel}, outside the plugin folder; refused.");
                string full = Path.Combine(stagingDir, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                entry.ExtractToFile(full, overwrite: true);
                placed.Add(rel);
            }
        }
        return placed;
    }
}
