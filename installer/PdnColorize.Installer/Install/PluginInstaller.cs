using Spectre.Console;
using System.Reflection;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Discovery;

namespace PdnColorize.Installer.Install;

/// <summary>What an install is asked to do.</summary>
/// <param name="Gpu">"none", "cuda", or null to keep what the current install has.</param>
/// <param name="Force">Replace a PdnColorize folder that has no install manifest (a hand-made install).</param>
public sealed record InstallRequest(PdnInstall Target, string Payload, string? Gpu, bool Force, ModelCatalog? Catalog);

/// <summary>What status found in one Paint.NET.</summary>
public sealed record StatusReport(
    PdnInstall Target,
    bool FolderExists,
    InstallManifest? Manifest,
    IReadOnlyList<InstalledFile> Missing,
    IReadOnlyList<InstalledFile> Modified,
    IReadOnlyList<string> Untracked,
    IReadOnlyList<string> Leftovers)
{
    public bool Installed => Manifest is not null;
    public bool Intact => Installed && Missing.Count == 0 && Modified.Count == 0;
}

public sealed record UninstallReport(bool WasInstalled, int FilesRemoved, IReadOnlyList<string> KeptUntracked, IReadOnlyList<string> Purged);

/// <summary>
/// Installs, upgrades, repairs and removes the plugin folder <c>Effects/PdnColorize</c>, all-or-nothing:
/// the new version is assembled in <c>Effects/PdnColorize.staging-*</c>; the current version (if any) is renamed to
/// <c>PdnColorize.backup-*</c>; the staging folder is renamed into place; only then is the backup deleted. Any failure
/// before that last rename puts everything back. A lock file keeps a second installer out, and an interrupted run is
/// cleaned up by the next one (a lone backup is renamed back, staging folders are deleted).
/// </summary>
public sealed class PluginInstaller(SetupContext context)
{
    private void Say(string text) => context.Console.WriteLine(text);

    public static ElevationRequiredException Elevation(string dir, Exception inner) => new(
        $"Cannot write to {dir}: this needs administrator rights (the classic Paint.NET lives under Program Files). " +
        "Run install.cmd (it asks for them), or run this command from an elevated prompt. Nothing was changed.", inner);

    // ------------------------------------------------------------------ install

    public async Task<InstallManifest> InstallAsync(InstallRequest request, CancellationToken cancellation)
    {
        var payload = ReadPayload(request.Payload, request.Target);
        if (FacadeBuild.Detect(payload.Directory) is { } facade)
        {
            if (Environment.GetEnvironmentVariable(FacadeBuild.AllowVariable) != "1")
                throw new UsageException(
                    $"{payload.Directory} is a development build made against PdnColorize's compile facade ({facade}), not against " +
                    "Paint.NET's own DLLs: Paint.NET would not load it. Install a release zip, or build one with " +
                    "installer/release.sh --pdn-root <Paint.NET 5.1.0 folder>. Nothing was changed.");
            Say($"warning: installing a compile-facade build ({facade}) because {FacadeBuild.AllowVariable}=1; Paint.NET will not load it.");
        }
        string effects = request.Target.EffectsDirectory;
        CheckNotRunning();

        bool createdEffects = false;
        if (!Directory.Exists(effects))
        {
            try { Directory.CreateDirectory(effects); }
            catch (UnauthorizedAccessException e) { throw Elevation(effects, e); }
            createdEffects = true;
        }
        try
        {
            using (InstallLock.Acquire(effects))
            {
                Recover(effects);
                return await InstallLockedAsync(request, payload, createdEffects, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            // a failed first install leaves no Effects folder behind if it made one
            if (createdEffects && !Directory.Exists(request.Target.PluginDirectory)) DeleteIfEmpty(effects);
        }
    }

    private async Task<InstallManifest> InstallLockedAsync(InstallRequest request, Payload payload, bool createdEffects, CancellationToken cancellation)
    {
        var target = request.Target;
        string effects = target.EffectsDirectory, plugin = target.PluginDirectory;
        bool exists = Directory.Exists(plugin);
        InstallManifest? old = null;
        try
        {
            old = exists ? InstallManifest.TryRead(plugin) : null;
        }
        catch (SetupException) when (request.Force)
        {
            // a damaged manifest: --force replaces the folder like a hand-made one
        }
        if (exists && old is null && !request.Force)
            throw new UsageException(
                $"{plugin} exists but was not installed by pdncolorize-setup (it has no {PluginLayout.ManifestName}). " +
                "Move it away, or run again with --force to replace it. Nothing was changed.");

        string gpu = (request.Gpu ?? old?.Gpu ?? "none").ToLowerInvariant();
        CatalogRuntime? runtime = null;
        if (gpu == "cuda")
        {
            runtime = request.Catalog?.FindRuntime("cuda")
                      ?? throw new UsageException($"the catalog has no CUDA runtime for {ModelCatalog.CurrentPlatform}; install with --gpu none.");
        }
        else if (gpu != "none")
        {
            throw new UsageException($"--gpu {gpu}: use none or cuda.");
        }

        string id = Guid.NewGuid().ToString("N")[..8];
        string staging = Path.Combine(effects, PluginLayout.StagingPrefix + id);
        string backup = Path.Combine(effects, PluginLayout.BackupPrefix + id);
        bool movedOld = false, placedNew = false;
        try
        {
            Say(old is null ? $"Installing PdnColorize {payload.Version} into {plugin}"
                : old.Version == payload.Version ? $"Reinstalling PdnColorize {payload.Version} in {plugin} (the current files stay until the new ones are in place)"
                : $"Upgrading PdnColorize {old.Version} -> {payload.Version} in {plugin} (the current version stays until the new one is in place)");
            Directory.CreateDirectory(staging);
            foreach (var rel in payload.Files)
            {
                cancellation.ThrowIfCancellationRequested();
                string destination = Path.Combine(staging, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                context.Copier.Copy(Path.Combine(payload.Directory, rel), destination);
            }
            Say($"  staged {payload.Files.Count} plugin files");

            var origins = payload.Files.ToDictionary(f => f, _ => InstalledFile.FromPayload, StringComparer.Ordinal);
            if (runtime is not null)
            {
                var gpuInstaller = new GpuRuntimeInstaller(context);
                string archive = await gpuInstaller.FetchAsync(runtime, cancellation).ConfigureAwait(false);
                foreach (var rel in GpuRuntimeInstaller.Extract(archive, runtime, staging, payload.Files))
                    origins[rel] = InstalledFile.FromGpuRuntime;
                Say($"  staged the GPU runtime ({runtime.Name}); it needs {runtime.Requires}");
            }

            var files = new List<InstalledFile>();
            foreach (var (rel, origin) in origins.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                string full = Path.Combine(staging, rel);
                files.Add(new InstalledFile(rel, new FileInfo(full).Length, InstallManifest.Hash(full), origin));
            }
            var directories = files.Select(f => Path.GetDirectoryName(f.Path)?.Replace('\\', '/'))
                .Where(d => !string.IsNullOrEmpty(d))
                .SelectMany(d => Ancestors(d!)).Distinct().OrderBy(d => d, StringComparer.Ordinal).ToList();

            int carried = old is null ? 0 : CarryOverUntracked(plugin, staging, old);
            var manifest = new InstallManifest
            {
                Version = payload.Version,
                PaintDotNet = target.Root,
                Edition = target.Edition.ToString().ToLowerInvariant(),
                PaintDotNetVersion = target.Version,
                Gpu = gpu,
                GpuRuntime = runtime?.Id,
                EffectsDirectoryCreated = createdEffects || (old?.EffectsDirectoryCreated ?? false),
                Files = files,
                Directories = directories,
            };
            manifest.Write(staging);
            cancellation.ThrowIfCancellationRequested();

            if (exists)
            {
                MoveFolder(plugin, backup);
                movedOld = true;
            }
            MoveFolder(staging, plugin);
            placedNew = true;
            if (movedOld)
            {
                try { Directory.Delete(backup, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Say($"  note: the previous version in {backup} could not be deleted yet ({e.Message}); the next run removes it.");
                }
            }
            if (carried > 0) Say($"  kept {carried} file(s) of yours that were in the plugin folder");
            Say($"Installed PdnColorize {payload.Version}: {files.Count} files, GPU runtime: {gpu}. Restart Paint.NET to load it.");
            KeepSetupCopy(payload.Directory);
            return manifest;
        }
        catch (Exception e)
        {
            string restored = Rollback(staging, backup, plugin, exists, movedOld, placedNew);
            Say(restored);
            if (e is UnauthorizedAccessException) throw Elevation(effects, e);
            throw;
        }
    }

    /// <summary>The plugin is in place: keep the installer beside the user's data so repair needs no zip (failure only warns).</summary>
    private void KeepSetupCopy(string payloadDir)
    {
        try
        {
            if (SetupKit.Keep(context, payloadDir) is { } kept)
                Say($"A copy of this installer is kept in {kept}: to repair or remove PdnColorize later run install.cmd there " +
                    "(-Action repair / -Action uninstall); the unpacked zip is no longer needed.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SetupException)
        {
            Say($"  note: no copy of the installer could be kept ({e.Message}); keep the unpacked zip to repair later.");
        }
    }

    private static string Rollback(string staging, string backup, string plugin, bool hadOld, bool movedOld, bool placedNew)
    {
        if (placedNew) return "";
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            if (movedOld && !Directory.Exists(plugin)) Directory.Move(backup, plugin);
            return movedOld ? "Rolled back: the previous version is back in place."
                : hadOld ? "Rolled back: the installed version was not touched."
                : "Rolled back: nothing was installed.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Rollback incomplete ({e.Message}). " +
                   (movedOld ? $"The previous version is in {backup}; the next run of pdncolorize-setup puts it back." : $"Delete {staging}.");
        }
    }

    private static int CarryOverUntracked(string plugin, string staging, InstallManifest old)
    {
        int carried = 0;
        foreach (var rel in Untracked(plugin, old))
        {
            string destination = Path.Combine(staging, rel);
            if (File.Exists(destination)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(Path.Combine(plugin, rel), destination);
            carried++;
        }
        return carried;
    }

    // ------------------------------------------------------------------ repair

    public async Task<bool> RepairAsync(InstallRequest request, CancellationToken cancellation)
    {
        var status = Status(request.Target);
        if (!status.FolderExists || status.Manifest is null && request.Force)
        {
            Say(status.FolderExists ? "No install manifest: reinstalling (--force)." : "PdnColorize is not installed: installing it.");
            await InstallAsync(request, cancellation).ConfigureAwait(false);
            return true;
        }
        if (status.Manifest is null)
            throw new UsageException(
                $"{request.Target.PluginDirectory} has no {PluginLayout.ManifestName}: it was not installed by pdncolorize-setup. Use 'install --force'.");
        if (status.Intact && status.Leftovers.Count == 0)
        {
            Say($"All {status.Manifest.Files.Count} installed files are intact; nothing to repair.");
            return false;
        }
        foreach (var f in status.Missing) Say($"  missing:  {f.Path}");
        foreach (var f in status.Modified) Say($"  modified: {f.Path}");
        foreach (var l in status.Leftovers) Say($"  leftover of an interrupted run: {l}");
        Say("Repairing by reinstalling from the payload (atomic; your own files in the plugin folder are kept).");
        await InstallAsync(request with { Gpu = request.Gpu ?? status.Manifest.Gpu }, cancellation).ConfigureAwait(false);
        return true;
    }

    // ------------------------------------------------------------------ uninstall

    public UninstallReport Uninstall(PdnInstall target, bool purge, bool force)
    {
        string effects = target.EffectsDirectory, plugin = target.PluginDirectory;
        var purged = new List<string>();
        if (!Directory.Exists(effects) || !Directory.Exists(plugin) && !Directory.EnumerateDirectories(effects)
                .Any(d => Path.GetFileName(d).StartsWith(PluginLayout.StagingPrefix, StringComparison.Ordinal) || Path.GetFileName(d).StartsWith(PluginLayout.BackupPrefix, StringComparison.Ordinal)))
        {
            Say($"PdnColorize is not installed in {target.Root}.");
            if (purge) purged.AddRange(PurgeUserData());
            return new UninstallReport(false, 0, [], purged);
        }
        CheckNotRunning();

        InstallManifest? manifest;
        int removed = 0;
        var kept = new List<string>();
        using (InstallLock.Acquire(effects))
        {
            Recover(effects);
            if (!Directory.Exists(plugin))
            {
                Say($"PdnColorize is not installed in {target.Root}.");
                manifest = null;
            }
            else
            {
                manifest = InstallManifest.TryRead(plugin);
                if (manifest is null && !force)
                    throw new UsageException(
                        $"{plugin} has no {PluginLayout.ManifestName}, so what it holds was not installed by pdncolorize-setup. " +
                        "Delete it by hand, or run 'uninstall --force' to delete the whole folder. Nothing was changed.");

                // Rename first: if Paint.NET holds a DLL open this fails and nothing has been removed.
                string removing = Path.Combine(effects, PluginLayout.FolderName + ".removing-" + Guid.NewGuid().ToString("N")[..8]);
                MoveFolder(plugin, removing);
                try
                {
                    if (manifest is null)
                    {
                        removed = Directory.EnumerateFiles(removing, "*", SearchOption.AllDirectories).Count();
                        Directory.Delete(removing, recursive: true);
                    }
                    else
                    {
                        foreach (var f in manifest.Files)
                        {
                            string full = Path.Combine(removing, f.Path);
                            if (!File.Exists(full)) continue;
                            File.Delete(full);
                            removed++;
                        }
                        File.Delete(Path.Combine(removing, PluginLayout.ManifestName));
                        foreach (var dir in manifest.Directories.OrderByDescending(d => d.Count(c => c == '/')).ThenByDescending(d => d, StringComparer.Ordinal))
                            DeleteIfEmpty(Path.Combine(removing, dir));
                        kept.AddRange(Directory.EnumerateFiles(removing, "*", SearchOption.AllDirectories)
                            .Select(f => Path.GetRelativePath(removing, f).Replace('\\', '/')));
                        if (kept.Count == 0) DeleteIfEmpty(removing);
                        else MoveFolder(removing, plugin); // the user's own files stay where they were
                    }
                }
                catch (UnauthorizedAccessException e)
                {
                    throw Elevation(effects, e);
                }
            }
        }
        if (manifest?.EffectsDirectoryCreated == true) DeleteIfEmpty(effects);
        Say(manifest is null && removed == 0
            ? "Nothing was removed."
            : $"Removed PdnColorize{(manifest is null ? "" : " " + manifest.Version)}: {removed} files.");
        if (kept.Count > 0) Say($"Kept {kept.Count} file(s) that the installer did not put there: {string.Join(", ", kept.Take(5))}{(kept.Count > 5 ? ", ..." : "")}");
        if (manifest is not null && !purge && SetupKit.Remove(context) is { } kit) Say(kit);
        if (purge) purged.AddRange(PurgeUserData());
        else Say($"Your models and caches stay in {context.DataDirectory} (and {context.ModelsDirectory}); 'uninstall --purge' removes them.");
        return new UninstallReport(manifest is not null || removed > 0, removed, kept, purged);
    }

    /// <summary>--purge: the user's data folder (downloads, caches, catalog) and the models the installer manages.</summary>
    private List<string> PurgeUserData()
    {
        var purged = new List<string>();
        string data = context.DataDirectory, models = context.ModelsDirectory;
        bool modelsInside = Path.GetFullPath(models).StartsWith(Path.GetFullPath(data) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!modelsInside && Directory.Exists(models))
        {
            foreach (var onnx in Directory.EnumerateFiles(models, "*.onnx"))
            {
                string manifest = Path.ChangeExtension(onnx, ".json");
                if (!File.Exists(manifest)) continue; // not one of ours
                File.Delete(onnx);
                File.Delete(manifest);
                purged.Add(onnx);
            }
            foreach (var part in Directory.EnumerateFiles(models, "*.part*")) File.Delete(part);
        }
        string kept = SetupKit.KeptDirectory(context);
        bool runningFromKept = context.ReleaseDirectory is { } release && PaintDotNetLocator.PathsEqual(release, Path.GetFullPath(kept));
        if (Directory.Exists(data) && runningFromKept)
        {
            // this program runs from data/setup and cannot delete itself: everything else goes
            foreach (var entry in Directory.EnumerateFileSystemEntries(data).Where(e => !PaintDotNetLocator.PathsEqual(Path.GetFullPath(e), Path.GetFullPath(kept))).ToList())
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                purged.Add(entry);
            }
            Say($"This installer runs from {kept}, so that folder stays; delete {data} once this window is closed.");
        }
        else if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
            purged.Add(data);
        }
        Say(purged.Count == 0 ? "No user data to purge." : $"Purged: {string.Join(", ", purged)}");
        return purged;
    }

    // ------------------------------------------------------------------ status

    public StatusReport Status(PdnInstall target)
    {
        string plugin = target.PluginDirectory;
        var leftovers = Directory.Exists(target.EffectsDirectory)
            ? Directory.EnumerateDirectories(target.EffectsDirectory).Select(Path.GetFileName).OfType<string>()
                .Where(n => n.StartsWith(PluginLayout.FolderName + ".", StringComparison.Ordinal)).Order().ToList()
            : [];
        if (!Directory.Exists(plugin))
            return new StatusReport(target, false, null, [], [], [], leftovers);
        var manifest = InstallManifest.TryRead(plugin);
        if (manifest is null)
            return new StatusReport(target, true, null, [], [], [], leftovers);
        var (missing, modified) = manifest.Check(plugin);
        return new StatusReport(target, true, manifest, missing, modified, Untracked(plugin, manifest).ToList(), leftovers);
    }

    // ------------------------------------------------------------------ helpers

    internal sealed record Payload(string Directory, IReadOnlyList<string> Files, string Version);

    internal static Payload ReadPayload(string payloadDir, PdnInstall target)
    {
        string dir = Path.GetFullPath(payloadDir);
        if (!Directory.Exists(dir))
            throw new UsageException(
                $"no plugin payload at {dir}. Pass --payload DIR: the packaged plugin folder (artifacts/Effects/PdnColorize), " +
                "or keep the PdnColorize folder beside pdncolorize-setup.");
        if (PaintDotNetLocator.PathsEqual(dir, target.PluginDirectory) || File.Exists(Path.Combine(dir, PluginLayout.ManifestName)))
            throw new UsageException($"{dir} is an installed plugin folder, not a payload to install from.");
        var files = System.IO.Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToList();
        var main = files.Where(f => !f.Contains('/') && f.StartsWith("PdnColorize", StringComparison.OrdinalIgnoreCase)
                                                     && f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.Length).ToList();
        if (main.Count == 0)
            throw new UsageException($"{dir} does not hold the PdnColorize plugin (no PdnColorize*.dll at its top). Pass the packaged plugin folder with --payload.");
        string version = "unknown";
        foreach (var dll in main)
        {
            try
            {
                if (AssemblyName.GetAssemblyName(Path.Combine(dir, dll)).Version is { } v) { version = v.ToString(3); break; }
            }
            catch (Exception e) when (e is BadImageFormatException or IOException or ArgumentException) { }
        }
        if (version == "unknown" && File.Exists(Path.Combine(dir, "VERSION"))) version = File.ReadAllText(Path.Combine(dir, "VERSION")).Trim();
        return new Payload(dir, files, version);
    }

    private static IEnumerable<string> Untracked(string plugin, InstallManifest manifest)
    {
        var tracked = manifest.Files.Select(f => f.Path).ToHashSet(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        tracked.Add(PluginLayout.ManifestName);
        return Directory.EnumerateFiles(plugin, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(plugin, f).Replace('\\', '/'))
            .Where(rel => !tracked.Contains(rel))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Cleans up after an interrupted run (call with the lock held).</summary>
    private void Recover(string effects)
    {
        string plugin = Path.Combine(effects, PluginLayout.FolderName);
        foreach (var staging in Directory.EnumerateDirectories(effects, PluginLayout.StagingPrefix + "*").ToList())
        {
            Directory.Delete(staging, recursive: true);
            Say($"  removed {Path.GetFileName(staging)}, left by an interrupted install");
        }
        var backups = Directory.EnumerateDirectories(effects, PluginLayout.BackupPrefix + "*")
            .OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
        if (backups.Count > 0 && !Directory.Exists(plugin))
        {
            Directory.Move(backups[0], plugin);
            Say($"  put back the previous version from {Path.GetFileName(backups[0])}, left by an interrupted upgrade");
            backups.RemoveAt(0);
        }
        foreach (var backup in backups)
        {
            Directory.Delete(backup, recursive: true);
            Say($"  removed {Path.GetFileName(backup)}, left by an earlier upgrade");
        }
    }

    private void CheckNotRunning()
    {
        if (context.PaintDotNetRunning())
            throw new SetupException("Paint.NET is running and keeps the plugin's DLLs open: close it, then run this again. Nothing was changed.");
    }

    private static void MoveFolder(string from, string to)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Move(from, to);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 5 && Directory.Exists(from) && !Directory.Exists(to))
            {
                // virus scanners and the search indexer hold new files open for a moment: wait and try again
                Thread.Sleep(200 * attempt);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw FolderInUse(from, to, e);
            }
        }
    }

    private static SetupException FolderInUse(string from, string to, Exception e) =>
        new($"Could not rename {from} to {to}: {e.Message} Close Paint.NET (it keeps the plugin's DLLs open) and run this again.", e);

    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
    }

    private static IEnumerable<string> Ancestors(string relDir)
    {
        var parts = relDir.Split('/');
        for (int i = 1; i <= parts.Length; i++) yield return string.Join('/', parts[..i]);
    }

    internal static bool IsSafeRelative(string rel) =>
        !Path.IsPathRooted(rel) && !rel.Replace('\\', '/').Split('/').Any(p => p is ".." or "");
}
