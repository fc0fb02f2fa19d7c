using PdnColorize.Installer.Discovery;
using PdnColorize.Installer.Install;

namespace PdnColorize.Installer.Tests;

public class InstallTests
{
    private static InstallRequest Request(World w, string? gpu = null, bool force = false, string? payload = null) =>
        new(w.Locate(), payload ?? w.Payload, gpu, force, null);

    [Theory]
    [InlineData(Layout.Classic)]
    [InlineData(Layout.Portable)]
    [InlineData(Layout.Store)]
    public async Task Install_status_uninstall_leaves_the_folder_exactly_as_before(Layout layout)
    {
        using var w = new World(layout);
        var before = Tree.Snapshot(w.PdnRoot);

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload)));
        Assert.True(File.Exists(Path.Combine(w.Plugin, "PdnColorize.dll")));
        Assert.True(File.Exists(Path.Combine(w.Plugin, "runtimes", "win-x64", "native", "onnxruntime.dll")));
        var manifest = InstallManifest.TryRead(w.Plugin)!;
        Assert.Equal(9, manifest.Files.Count);
        Assert.Equal("v1", manifest.Version);
        Assert.Equal(layout.ToString().ToLowerInvariant(), manifest.Edition);
        Assert.All(Directory.EnumerateFileSystemEntries(w.Effects), e => Assert.Contains(Path.GetFileName(e), new[] { PluginLayout.FolderName, "OtherPlugin.dll" }));

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("status")));
        Assert.Contains("9 intact, 0 missing, 0 modified", w.Output.ToString());

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("uninstall")));
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot));
        Assert.Equal(ExitCodes.Other, await w.Cli(w.Args("status"))); // not installed
        Assert.Contains("not installed", w.Output.ToString());
    }

    [Fact]
    public async Task Discovery_finds_each_layout_without_pdn_dir_where_it_can()
    {
        using (var classic = new World(Layout.Classic))
            Assert.Equal(PdnEdition.Classic, classic.Locate().Edition);
        using (var store = new World(Layout.Store))
        {
            var found = store.Locate();
            Assert.Equal(PdnEdition.Store, found.Edition);
            Assert.Equal(Path.Combine(store.Documents, "paint.net App Files", "Effects"), found.EffectsDirectory);
            Assert.Contains(found.Warnings, x => x.Contains("Store"));
        }
        using var portable = new World(Layout.Portable);
        var p = portable.Locate();
        Assert.Equal(PdnEdition.Portable, p.Edition);
        Assert.Contains(p.Warnings, x => x.Contains("version could not be read"));
        // the Effects folder of a portable copy is accepted too, and means its parent
        Directory.CreateDirectory(portable.Effects);
        Assert.Equal(portable.PdnRoot, new PaintDotNetLocator(new FakeRegistry(null), null).Locate(portable.Effects).Root);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_folder_that_is_not_paint_net_is_refused_and_nothing_is_written()
    {
        using var w = new World(Layout.Portable);
        string notPdn = Path.Combine(w.Root, "not-pdn");
        Directory.CreateDirectory(notPdn);
        File.WriteAllText(Path.Combine(notPdn, "paintdotnet.exe"), "only the exe"); // no PaintDotNet.Effects.Core.dll
        var before = Tree.Snapshot(w.Root);

        int code = await w.Cli("install", "--pdn-dir", notPdn, "--payload", w.Payload, "--data-dir", w.Data);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("is not a Paint.NET folder", w.Errors.ToString());
        Assert.Contains("PaintDotNet.Effects.Core.dll", w.Errors.ToString());
        Tree.AssertSame(before, Tree.Snapshot(w.Root));
    }

    [Fact]
    public async Task No_paint_net_anywhere_is_a_clear_error()
    {
        using var w = new World(Layout.Portable);
        int code = await w.Cli("status", "--data-dir", w.Data, "--documents-dir", w.Documents);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Paint.NET was not found", w.Errors.ToString());
        Assert.Contains("--pdn-dir", w.Errors.ToString());
    }

    [Fact]
    public async Task Repair_restores_deleted_and_changed_files()
    {
        using var w = new World(Layout.Classic);
        var installer = new PluginInstaller(w.Context);
        await installer.InstallAsync(Request(w), CancellationToken.None);
        var good = Tree.Snapshot(w.Plugin);
        File.Delete(Path.Combine(w.Plugin, "PdnColorize.Core.dll"));
        Directory.Delete(Path.Combine(w.Plugin, "runtimes"), recursive: true);
        File.WriteAllText(Path.Combine(w.Plugin, "PdnColorize.deps.json"), "tampered");
        File.WriteAllText(Path.Combine(w.Plugin, "my-notes.txt"), "mine");

        var status = installer.Status(w.Locate());
        Assert.Equal(2, status.Missing.Count);
        Assert.Single(status.Modified);
        Assert.Equal(ExitCodes.Other, await w.Cli(w.Args("status")));

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("repair", "--payload", w.Payload)));

        var repaired = Tree.Snapshot(w.Plugin);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(w.Plugin, "my-notes.txt"))); // the user's file survives
        repaired.Remove("my-notes.txt");
        good.Remove(PluginLayout.ManifestName);
        repaired.Remove(PluginLayout.ManifestName);
        Tree.AssertSame(good, repaired);
        Assert.True(installer.Status(w.Locate()).Intact);
        Assert.Contains("nothing to repair", await RunAndRead(w, "repair", "--payload", w.Payload));
    }

    private static async Task<string> RunAndRead(World w, params string[] verb)
    {
        w.Output.GetStringBuilder().Clear();
        await w.Cli(w.Args(verb));
        return w.Output.ToString();
    }

    [Fact]
    public async Task A_failure_mid_copy_rolls_a_first_install_back_to_nothing()
    {
        using var w = new World(Layout.Portable, copier: new FailingCopier(failOn: 5));
        var before = Tree.Snapshot(w.PdnRoot);

        var e = await Assert.ThrowsAsync<IOException>(() => new PluginInstaller(w.Context).InstallAsync(Request(w), CancellationToken.None));

        Assert.Contains("injected", e.Message);
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot)); // no Effects folder (the install had made it), no staging, no lock
        Assert.Contains("Rolled back: nothing was installed", w.Output.ToString());
    }

    [Fact]
    public async Task A_failure_mid_copy_during_an_upgrade_keeps_the_old_version()
    {
        using var w = new World(Layout.Classic);
        await new PluginInstaller(w.Context).InstallAsync(Request(w), CancellationToken.None);
        var v1 = Tree.Snapshot(w.PdnRoot);
        string v2 = World.MakePayload(Path.Combine(w.Root, "payload2", "PdnColorize"), "v2");
        var failing = new SetupContext
        {
            Registry = w.Context.Registry, DocumentsDirectory = w.Context.DocumentsDirectory, DataDirectory = w.Data,
            ModelsDirectory = w.Context.ModelsDirectory, Http = w.Context.Http, Console = w.Context.Console, Error = w.Errors,
            Copier = new FailingCopier(failOn: 7),
        };

        await Assert.ThrowsAsync<IOException>(() => new PluginInstaller(failing).InstallAsync(Request(w, payload: v2), CancellationToken.None));

        Tree.AssertSame(v1, Tree.Snapshot(w.PdnRoot));
        Assert.Equal("v1", InstallManifest.TryRead(w.Plugin)!.Version);
    }

    [Fact]
    public async Task Upgrade_replaces_the_old_files_and_keeps_the_users_own()
    {
        using var w = new World(Layout.Portable);
        var installer = new PluginInstaller(w.Context);
        await installer.InstallAsync(Request(w), CancellationToken.None);
        File.WriteAllText(Path.Combine(w.Plugin, "models", "my-model.onnx"), "user model");
        string v2 = World.MakePayload(Path.Combine(w.Root, "payload2", "PdnColorize"), "v2");
        File.Delete(Path.Combine(v2, "PdnColorize.Core.dll")); // v2 no longer ships this file

        var manifest = await installer.InstallAsync(Request(w, payload: v2), CancellationToken.None);

        Assert.Equal("v2", manifest.Version);
        Assert.Equal("plugin v2", File.ReadAllText(Path.Combine(w.Plugin, "PdnColorize.dll")));
        Assert.False(File.Exists(Path.Combine(w.Plugin, "PdnColorize.Core.dll")));
        Assert.Equal("user model", File.ReadAllText(Path.Combine(w.Plugin, "models", "my-model.onnx")));
        Assert.DoesNotContain(manifest.Files, f => f.Path.Contains("my-model"));
        Assert.Single(Directory.EnumerateFileSystemEntries(w.Effects)); // no backup, staging or lock left

        // uninstall removes exactly the installed files: the user's file stays, in its folder
        installer.Uninstall(w.Locate(), purge: false, force: false);
        Assert.Equal(["models/my-model.onnx"], Directory.EnumerateFiles(w.Plugin, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(w.Plugin, f).Replace('\\', '/')).ToArray());
    }

    [Fact]
    public async Task A_second_installer_is_kept_out_by_the_lock()
    {
        using var w = new World(Layout.Classic);
        using (InstallLock.Acquire(w.Effects))
        {
            var e = await Assert.ThrowsAsync<SetupException>(() => new PluginInstaller(w.Context).InstallAsync(Request(w), CancellationToken.None));
            Assert.Contains("Another pdncolorize-setup", e.Message);
            Assert.False(Directory.Exists(w.Plugin));
        }
        await new PluginInstaller(w.Context).InstallAsync(Request(w), CancellationToken.None); // free again
        Assert.False(File.Exists(Path.Combine(w.Effects, PluginLayout.LockName)));
        var installed = Tree.Snapshot(w.PdnRoot);
        using (InstallLock.Acquire(w.Effects))
        {
            Assert.Throws<SetupException>(() => new PluginInstaller(w.Context).Uninstall(w.Locate(), false, false));
        }
        Tree.AssertSame(installed, Tree.Snapshot(w.PdnRoot));
    }

    [Fact]
    public async Task An_interrupted_upgrade_is_put_right_by_the_next_run()
    {
        using var w = new World(Layout.Classic);
        var installer = new PluginInstaller(w.Context);
        await installer.InstallAsync(Request(w), CancellationToken.None);
        var installed = Tree.Snapshot(w.PdnRoot);
        // a crash after "current -> backup" and before "staging -> current":
        Directory.Move(w.Plugin, Path.Combine(w.Effects, PluginLayout.BackupPrefix + "deadbeef"));
        Directory.CreateDirectory(Path.Combine(w.Effects, PluginLayout.StagingPrefix + "deadbeef", "half"));
        File.WriteAllText(Path.Combine(w.Effects, PluginLayout.LockName), "stale lock of a killed installer");

        var status = installer.Status(w.Locate());
        Assert.False(status.Installed);
        Assert.Equal(2, status.Leftovers.Count);

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("repair", "--payload", w.Payload)));

        Assert.Contains("put back the previous version", w.Output.ToString());
        var after = Tree.Snapshot(w.PdnRoot);
        after.Remove("Effects/PdnColorize/" + PluginLayout.ManifestName);
        installed.Remove("Effects/PdnColorize/" + PluginLayout.ManifestName);
        Tree.AssertSame(installed, after);
    }

    [Fact]
    public async Task No_write_access_says_that_elevation_is_needed_and_exits_4()
    {
        using var w = new World(Layout.Classic, copier: new FailingCopier(2, new UnauthorizedAccessException("Access to the path is denied.")));
        var before = Tree.Snapshot(w.PdnRoot);

        int code = await w.Cli(w.Args("install", "--payload", w.Payload));

        Assert.Equal(ExitCodes.NeedsElevation, code);
        Assert.Contains("administrator rights", w.Errors.ToString());
        Assert.Contains("install.cmd", w.Errors.ToString());
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot));
    }

    [Fact]
    public async Task A_hand_made_plugin_folder_is_not_replaced_without_force()
    {
        using var w = new World(Layout.Classic);
        Directory.CreateDirectory(w.Plugin);
        File.WriteAllText(Path.Combine(w.Plugin, "PdnColorize.dll"), "copied by hand");
        var before = Tree.Snapshot(w.PdnRoot);

        Assert.Equal(ExitCodes.BadInput, await w.Cli(w.Args("install", "--payload", w.Payload)));
        Assert.Contains("--force", w.Errors.ToString());
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot));
        Assert.Equal(ExitCodes.BadInput, await w.Cli(w.Args("uninstall")));
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot));

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload, "--force")));
        Assert.Equal("plugin v1", File.ReadAllText(Path.Combine(w.Plugin, "PdnColorize.dll")));
    }

    [Fact]
    public async Task A_missing_or_wrong_payload_is_refused()
    {
        using var w = new World(Layout.Classic);
        Assert.Equal(ExitCodes.BadInput, await w.Cli(w.Args("install", "--payload", Path.Combine(w.Root, "nope"))));
        Assert.Contains("--payload", w.Errors.ToString());
        string junk = Path.Combine(w.Root, "junk");
        Directory.CreateDirectory(junk);
        File.WriteAllText(Path.Combine(junk, "readme.txt"), "x");
        Assert.Equal(ExitCodes.BadInput, await w.Cli(w.Args("install", "--payload", junk)));
        Assert.Contains("PdnColorize*.dll", w.Errors.ToString());
        Assert.False(Directory.Exists(w.Plugin));
    }

    [Fact]
    public async Task Paint_net_running_stops_the_install_before_anything_changes()
    {
        using var w = new World(Layout.Classic);
        var c = w.Context;
        var running = new SetupContext
        {
            Registry = c.Registry, DocumentsDirectory = c.DocumentsDirectory, DataDirectory = c.DataDirectory, ModelsDirectory = c.ModelsDirectory,
            Http = c.Http, Console = c.Console, Error = c.Error, PaintDotNetRunning = () => true,
        };
        var e = await Assert.ThrowsAsync<SetupException>(() => new PluginInstaller(running).InstallAsync(Request(w), CancellationToken.None));
        Assert.Contains("close it", e.Message);
        Assert.False(Directory.Exists(w.Plugin));
    }

    [Fact]
    public async Task Uninstall_keeps_user_models_unless_purge()
    {
        using var w = new World(Layout.Store);
        Directory.CreateDirectory(w.Context.ModelsDirectory);
        File.WriteAllText(Path.Combine(w.Context.ModelsDirectory, "mine.onnx"), "m");
        File.WriteAllText(Path.Combine(w.Context.ModelsDirectory, "mine.json"), "{}");
        await w.Cli(w.Args("install", "--payload", w.Payload));

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("uninstall")));
        Assert.True(File.Exists(Path.Combine(w.Context.ModelsDirectory, "mine.onnx")));
        Assert.Contains("'uninstall --purge' removes them", w.Output.ToString());

        await w.Cli(w.Args("install", "--payload", w.Payload));
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("uninstall", "--purge")));
        Assert.False(Directory.Exists(w.Data));
        Assert.False(Directory.Exists(w.Effects));
    }

    [Fact]
    public void The_version_is_read_from_a_managed_paint_net_assembly_and_old_ones_warned_about()
    {
        using var w = new World(Layout.Portable);
        // any managed assembly stands in for paintdotnet.dll: this test assembly has version 0.1.0
        File.Copy(typeof(InstallTests).Assembly.Location, Path.Combine(w.PdnRoot, "paintdotnet.dll"));
        var found = w.Locate();
        Assert.Equal("0.1.0", found.Version);
        Assert.Contains(found.Warnings, x => x.Contains("older than 5.1"));
    }

    [Fact]
    public async Task A_damaged_manifest_is_reported_and_force_reinstalls()
    {
        using var w = new World(Layout.Classic);
        await w.Cli(w.Args("install", "--payload", w.Payload));
        File.WriteAllText(Path.Combine(w.Plugin, PluginLayout.ManifestName), "{ not json");

        Assert.Equal(ExitCodes.Other, await w.Cli(w.Args("status")));
        Assert.Contains("damaged", w.Errors.ToString());
        Assert.Equal(ExitCodes.Other, await w.Cli(w.Args("install", "--payload", w.Payload)));
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload, "--force")));
        Assert.True(new PluginInstaller(w.Context).Status(w.Locate()).Intact);
    }
}
