using PdnColorize.Engines;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Models;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Installer.Tests;

public class ModelTests
{
    private static ModelManager Manager(World w, ModelCatalog? catalog = null) => new(w.Context, catalog ?? ModelCatalog.Load(null, null), null);

    [Fact]
    public async Task Import_of_a_wrong_shaped_onnx_is_refused_and_nothing_is_written()
    {
        using var w = new World();
        string bad = FixtureModels.WrongOutputChannels(Path.Combine(w.Root, "three-channels.onnx"));

        var e = Assert.Throws<ModelContractException>(() => Manager(w).Import(bad, null, null, false));
        Assert.Contains("\"output\" (rgb01 or rgb255)", e.Message); // 3 channels out: the descriptor must say which

        Assert.False(Directory.Exists(w.Context.ModelsDirectory) && Directory.EnumerateFileSystemEntries(w.Context.ModelsDirectory).Any());

        Assert.Equal(ExitCodes.ModelProblem, await w.Cli("models", "import", bad, "--data-dir", w.Data));
        Assert.Contains("does not fit PdnColorize's I/O contract", w.Errors.ToString());
        Assert.False(Directory.Exists(w.Context.ModelsDirectory) && Directory.EnumerateFileSystemEntries(w.Context.ModelsDirectory).Any());
    }

    [Fact]
    public async Task Import_list_verify_remove_round_trip()
    {
        using var w = new World();
        string good = FixtureModels.Plumbing(Path.Combine(w.Root, "plumb.onnx"), fixedSize: 64);

        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "import", good, "--id", "plumbing", "--name", "Plumbing fixture", "--data-dir", w.Data));
        var store = new ModelStore(Path.Combine(w.Root, "none"), w.Context.ModelsDirectory);
        var entry = Assert.Single(store.List());
        Assert.Equal("plumbing", entry.Manifest.Id);
        Assert.Equal(64, entry.Manifest.InputSize);
        Assert.Equal(ModelFingerprint.Compute(good), entry.Manifest.Sha256);

        Assert.Equal(ExitCodes.BadInput, await w.Cli("models", "import", good, "--id", "plumbing", "--data-dir", w.Data)); // exists
        Assert.Contains(Manager(w).List(), r => r.Id == "plumbing" && r.State == "installed");

        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "verify", "--data-dir", w.Data));
        Assert.Contains("contract OK", w.Output.ToString());
        File.AppendAllText(entry.ModelPath, "corrupt");
        Assert.Equal(ExitCodes.ModelProblem, await w.Cli("models", "verify", "--data-dir", w.Data));

        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "remove", "plumbing", "--data-dir", w.Data));
        Assert.Empty(store.List());
        Assert.Equal(ExitCodes.BadInput, await w.Cli("models", "remove", "plumbing", "--data-dir", w.Data));
    }

    [Fact]
    public async Task Download_of_a_custom_onnx_url_is_verified_contract_checked_and_installed()
    {
        using var w = new World();
        var good = File.ReadAllBytes(FixtureModels.Plumbing(Path.Combine(w.Root, "g.onnx")));
        var bad = File.ReadAllBytes(FixtureModels.WrongOutputChannels(Path.Combine(w.Root, "b.onnx")));
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, r.Target.Contains("bad") ? bad : good));

        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "download", "--url", server.Url("/good.onnx").ToString(), "--id", "custom",
            "--sha256", Bytes.Sha(good), "--data-dir", w.Data));
        Assert.True(File.Exists(Path.Combine(w.Context.ModelsDirectory, "custom.onnx")));
        Assert.True(File.Exists(Path.Combine(w.Context.ModelsDirectory, "custom.json")));

        // right hash, wrong shape: refused, nothing kept anywhere
        Assert.Equal(ExitCodes.ModelProblem, await w.Cli("models", "download", "--url", server.Url("/bad.onnx").ToString(), "--id", "badshape",
            "--sha256", Bytes.Sha(bad), "--data-dir", w.Data));
        Assert.False(File.Exists(Path.Combine(w.Context.ModelsDirectory, "badshape.onnx")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(w.Data, "downloads")));

        // wrong hash: refused
        Assert.Equal(ExitCodes.ModelProblem, await w.Cli("models", "download", "--url", server.Url("/good.onnx").ToString(), "--id", "other",
            "--sha256", new string('a', 64), "--data-dir", w.Data));
        Assert.Contains("SHA-256 mismatch", w.Errors.ToString());
        Assert.False(File.Exists(Path.Combine(w.Context.ModelsDirectory, "other.onnx")));

        // 404
        await using var gone = new LoopbackServer((r, s, n, ct) => LoopbackServer.NotFound(s));
        Assert.Equal(ExitCodes.Other, await w.Cli("models", "download", "--url", gone.Url("/x.onnx").ToString(), "--id", "x", "--data-dir", w.Data));
        Assert.Contains("HTTP 404", w.Errors.ToString());
    }

    [Fact]
    public async Task A_checkpoint_download_tells_how_to_convert_it()
    {
        using var w = new World();
        var pth = Bytes.Random(5_000, 9);
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, pth));
        var builtIn = ModelCatalog.Load(null, null).FindModel("ddcolor-tiny")!;
        var catalog = new ModelCatalog([builtIn with { Url = server.Url("/ddcolor_paper_tiny.pth").ToString() }], [], ["test"]);

        string path = await Manager(w, catalog).DownloadAsync("ddcolor-tiny", CancellationToken.None);

        Assert.Equal(pth, File.ReadAllBytes(path));
        string output = w.Output.ToString();
        Assert.Contains("export_ddcolor.py", output);
        Assert.Contains($"--weights {path}", output);
        Assert.Contains("no published hash", output);
        Assert.Contains("models import", output);
    }

    [Fact]
    public async Task Unknown_ids_and_the_embedded_model_are_explained()
    {
        using var w = new World();
        Assert.Equal(ExitCodes.BadInput, await w.Cli("models", "download", "no-such-model", "--data-dir", w.Data));
        Assert.Contains("ddcolor-modelscope", w.Errors.ToString());
        Assert.Equal(ExitCodes.Ok, await w.Cli("models", "download", "pdnc-resnet18-v2", "--data-dir", w.Data));
        Assert.Contains("ships inside the plugin", w.Output.ToString());
    }
}
