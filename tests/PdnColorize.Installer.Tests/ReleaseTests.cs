using System.Diagnostics;
using System.IO.Compression;
using PdnColorize.Installer.Install;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Installer.Tests;

/// <summary>
/// The release as a user gets it: installer/release.sh builds the zip (a facade preview here, with the installer and
/// CLI built for this machine), then the unpacked zip is used against a fake Paint.NET folder the way install.cmd
/// uses it. Also the packaging check of the plugin's .deps.json. Needs bash, jq and zip, like the scripts.
/// </summary>
public sealed class ReleaseTests
{
    private static string Repo
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PdnColorize.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("the repository root was not found above " + AppContext.BaseDirectory);
        }
    }

    private sealed record Result(int Code, string Out, string Err)
    {
        public string All => Out + Err;
    }

    private static Result Run(string file, IEnumerable<string> args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (workDir is not null) start.WorkingDirectory = workDir;
        start.Environment["PDNCOLORIZE_DEBUG"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran longer than {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void The_packaging_check_lists_every_deps_entry_and_fails_on_a_missing_one()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "PdnColorize.deps.json"), """
            { "targets": { ".NETCoreApp,Version=v9.0": {
                "PdnColorize/0.1.0": { "runtime": { "PdnColorize.dll": {} } },
                "Lib/1.0.0": { "runtime": { "lib/net8.0/Lib.dll": {} },
                               "resources": { "lib/net8.0/de/Lib.resources.dll": { "locale": "de" } } },
                "Native/1.0.0": { "runtimeTargets": {
                    "runtimes/win-x64/native/n.dll": { "rid": "win-x64", "assetType": "native" },
                    "runtimes/win-arm64/native/n.dll": { "rid": "win-arm64", "assetType": "native" } } } } } }
            """);
        foreach (var f in new[] { "PdnColorize.dll", "Lib.dll", "de/Lib.resources.dll", "runtimes/win-x64/native/n.dll" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir.Path, f))!);
            File.WriteAllText(Path.Combine(dir.Path, f), "x");
        }
        string script = Path.Combine(Repo, "plugin", "PdnColorize.PaintDotNet", "check-deps.sh");

        var missing = Run("bash", [script, dir.Path]);
        Assert.Equal(1, missing.Code);
        Assert.Matches(@"MISSING\s+win-arm64\s+runtimes/win-arm64/native/n\.dll", missing.Out);
        Assert.Matches(@"ok\s+any\s+de/Lib\.resources\.dll", missing.Out);
        Assert.Contains("1 of 5 files", missing.Err);

        Directory.CreateDirectory(Path.Combine(dir.Path, "runtimes", "win-arm64", "native"));
        File.WriteAllText(Path.Combine(dir.Path, "runtimes", "win-arm64", "native", "n.dll"), "x");
        var complete = Run("bash", [script, dir.Path]);
        Assert.Equal(0, complete.Code);
        Assert.Contains("all 5 files it names are present", complete.Out);
    }

    [Fact]
    public void A_release_zip_from_the_script_is_refused_as_a_facade_build_and_otherwise_installs_repairs_from_the_kept_copy_and_verifies_the_plugin_model()
    {
        using var temp = new TempDir();
        string outDir = Path.Combine(temp.Path, "out");
        var sw = Stopwatch.StartNew();
        var build = Run("bash", [Path.Combine(Repo, "installer", "release.sh"), "--layout-preview", "--host-build", "--out", outDir], Repo, timeoutSeconds: 540);
        Assert.True(build.Code == 0, $"release.sh failed ({build.Code}):\n{build.All}");
        string zip = Assert.Single(Directory.GetFiles(outDir, "*.zip"));
        Assert.Matches(@"PdnColorize-\d+\.\d+\.\d+-preview-not-for-use-host\.zip$", zip);

        // The zip holds what docs/installer.md promises, every deps-file entry of the plugin included.
        string top = Path.GetFileNameWithoutExtension(zip);
        List<string> entries;
        using (var archive = ZipFile.OpenRead(zip)) entries = archive.Entries.Select(e => e.FullName).ToList();
        foreach (var expected in new[]
                 {
                     "install.cmd", "install.ps1", "pdncolorize-setup", "pdncolorize-release.txt", "README.md", "LICENSE.txt",
                     "docs/paintdotnet.md", "docs/installer.md", "licenses/PACKAGES.txt", "licenses/onnxruntime-LICENSE.txt",
                     "cli/pdncolorize", "cli/models/pdnc-resnet18-v2.onnx",
                     "PdnColorize/PdnColorize.dll", "PdnColorize/PdnColorize.deps.json", "PdnColorize/models/pdnc-resnet18-v2.onnx",
                     "PdnColorize/runtimes/win-x64/native/onnxruntime.dll", "PdnColorize/runtimes/win-arm64/native/onnxruntime.dll",
                     "PdnColorize/" + FacadeBuild.MarkerName,
                 })
            Assert.Contains($"{top}/{expected}", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".lib", StringComparison.Ordinal));
        Assert.Contains("all 11 files it names are present", build.Out);
        Assert.Contains("System.CommandLine", File.ReadAllText(ExtractOne(zip, $"{top}/licenses/PACKAGES.txt", temp.Path)));

        // Unpacked, with a fake portable Paint.NET beside it.
        string unpacked = Path.Combine(temp.Path, "unpacked");
        ZipFile.ExtractToDirectory(zip, unpacked);
        string release = Path.Combine(unpacked, top);
        string pdn = Path.Combine(temp.Path, "paint.net");
        World.MakeProgramFolder(pdn, withEffects: true);
        string data = Path.Combine(temp.Path, "LocalAppData", "PdnColorize");
        string documents = Path.Combine(temp.Path, "Documents");
        Directory.CreateDirectory(documents);
        string[] Where(params string[] verb) => [.. verb, "--pdn-dir", pdn, "--data-dir", data, "--documents-dir", documents];
        var before = Tree.Snapshot(pdn);

        var refused = Run(Path.Combine(release, "pdncolorize-setup"), Where("install"));
        Assert.Equal(ExitCodes.BadInput, refused.Code);
        Assert.Contains("compile facade", refused.Err);
        Assert.Contains(FacadeBuild.MarkerName, refused.Err);
        Assert.Contains("Nothing was changed", refused.Err);
        Assert.Equal(before, Tree.Snapshot(pdn));
        Assert.False(Directory.Exists(Path.Combine(data, "setup")));

        // The same steps past the refusal (the development override): install from the zip, which keeps a copy.
        var allow = new Dictionary<string, string> { [FacadeBuild.AllowVariable] = "1" };
        var installed = Run(Path.Combine(release, "pdncolorize-setup"), Where("install"), env: allow);
        Assert.True(installed.Code == 0, installed.All);
        string plugin = Path.Combine(pdn, "Effects", "PdnColorize");
        Assert.True(File.Exists(Path.Combine(plugin, "PdnColorize.dll")));
        string kept = Path.Combine(data, "setup");
        Assert.Contains($"A copy of this installer is kept in {kept}", installed.Out);
        Assert.True(Run(Path.Combine(release, "cli", "pdncolorize"), ["--help"]).Code == 0);

        // The zip is gone; the kept copy repairs a damaged install on its own.
        Directory.Delete(unpacked, recursive: true);
        string core = Path.Combine(plugin, "PdnColorize.Core.dll");
        byte[] original = File.ReadAllBytes(core);
        File.Delete(core);
        var repaired = Run(Path.Combine(kept, "pdncolorize-setup"), Where("repair"), env: allow);
        Assert.True(repaired.Code == 0, repaired.All);
        Assert.Contains("missing:  PdnColorize.Core.dll", repaired.Out);
        Assert.Equal(original, File.ReadAllBytes(core));

        // models verify sees the plugin's own model.
        var verify = Run(Path.Combine(kept, "pdncolorize-setup"), Where("models", "verify"));
        Assert.True(verify.Code == 0, verify.All);
        Assert.Matches(@"ok\s+pdnc-resnet18-v2 \(plugin\):.*contract OK", verify.Out);

        // Uninstall from the kept copy: the plugin goes, Paint.NET's folder is as before, the running copy says it stays.
        var removed = Run(Path.Combine(kept, "pdncolorize-setup"), Where("uninstall"));
        Assert.True(removed.Code == 0, removed.All);
        Assert.Contains("This installer runs from", removed.Out);
        Assert.Equal(before, Tree.Snapshot(pdn));
        Console.WriteLine($"release.sh + install/repair/verify/uninstall: {sw.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public async Task Models_verify_says_when_the_plugins_own_model_could_not_be_included()
    {
        using var w = new World(); // a portable Paint.NET that nothing points at: it cannot be found
        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "verify", "--data-dir", w.Data, "--documents-dir", w.Documents));
        Assert.Contains("note: the plugin's own models are not included", w.Output.ToString());
        Assert.Contains("Pass --pdn-dir", w.Output.ToString());
    }

    [Fact]
    public async Task Uninstall_purge_run_from_the_kept_copy_removes_the_rest_of_the_data_and_leaves_the_running_copy()
    {
        using var w = new World();
        string kept = Path.Combine(w.Data, "setup");
        Directory.CreateDirectory(kept);
        File.WriteAllText(Path.Combine(kept, SetupKit.ListName), "pdncolorize-release.txt\n");
        Directory.CreateDirectory(Path.Combine(w.Data, "downloads"));
        File.WriteAllText(Path.Combine(w.Data, "downloads", "x.part"), "partial");
        var c = w.Context;
        w.Context = new SetupContext
        {
            Registry = c.Registry, DocumentsDirectory = c.DocumentsDirectory, DataDirectory = c.DataDirectory, ModelsDirectory = c.ModelsDirectory,
            Copier = c.Copier, Http = c.Http, DownloadOptions = c.DownloadOptions, Native = c.Native, Gpu = c.Gpu, Console = c.Console, Error = c.Error,
            ReleaseDirectory = kept, // this installer runs from the kept copy
        };
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload)));
        Assert.Contains($"installer:   a copy in {kept}", await Status(w));
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("uninstall", "--purge")));

        Assert.False(Directory.Exists(Path.Combine(w.Data, "downloads")));
        Assert.True(File.Exists(Path.Combine(kept, SetupKit.ListName)));
        Assert.Contains($"This installer runs from {kept}, so that folder stays", w.Output.ToString());
        Assert.False(Directory.Exists(w.Plugin));
    }

    private static async Task<string> Status(World w)
    {
        await w.Cli(w.Args("status"));
        return w.Output.ToString();
    }

    private static string ExtractOne(string zip, string entry, string dir)
    {
        using var archive = ZipFile.OpenRead(zip);
        string path = Path.Combine(dir, Path.GetFileName(entry));
        archive.GetEntry(entry)!.ExtractToFile(path, overwrite: true);
        return path;
    }
}
