using System.IO.Hashing;
using System.Text.Json;
using PdnColorize.Engines;
using PdnColorize.Engines.Descriptors;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Downloads;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Installer.Tests;

/// <summary>
/// `models install ID` against a loopback mirror that a catalog points at: the good file installs (CRC-32 hash file
/// checked, SHA-256 recorded, descriptor written); a truncated file, a wrong SHA-256, a wrong CRC-32, a NaN model and a
/// constant model are refused; a connection cut midway is resumed. Nothing partial is ever left under a model's name.
/// </summary>
public sealed class CatalogInstallTests : IAsyncDisposable
{
    private readonly World _w = new();
    private readonly byte[] _good;
    private readonly byte[] _nan;
    private readonly byte[] _constant;
    private readonly LoopbackServer _server;
    private int _cutOnce = 1;

    public CatalogInstallTests()
    {
        _good = File.ReadAllBytes(DescriptorFixtures.RgbOut(Path.Combine(_w.Root, "deoldify-like.onnx"), 255));
        _nan = File.ReadAllBytes(FixtureModels.NaNOutput(Path.Combine(_w.Root, "nan.onnx")));
        _constant = File.ReadAllBytes(DescriptorFixtures.ConstantRgb(Path.Combine(_w.Root, "constant.onnx")));
        _server = new LoopbackServer(async (r, s, n, ct) =>
        {
            switch (r.Target)
            {
                case "/good.onnx": await LoopbackServer.ServeRanged(r, s, _good); break;
                case "/good.hash": await Text(s, Crc(_good)); break;
                case "/wrong.hash": await Text(s, "0badc0de"); break;
                case "/nan.onnx": await LoopbackServer.ServeRanged(r, s, _nan); break;
                case "/constant.onnx": await LoopbackServer.ServeRanged(r, s, _constant); break;
                // a short file served honestly: its own length, fewer bytes than the catalog's size_bytes
                case "/short.onnx": await LoopbackServer.ServeRanged(r, s, _good[..(_good.Length / 2)]); break;
                // announces the full length but every response stops after 16 bytes: each attempt is cut
                case "/always-cut.onnx": await LoopbackServer.ServeRanged(r, s, _good, cutAfter: 16); break;
                // cut halfway once, then serves the rest to the client's Range request
                case "/cut-once.onnx":
                    await LoopbackServer.ServeRanged(r, s, _good, cutAfter: Interlocked.Exchange(ref _cutOnce, 0) == 1 ? _good.Length / 2 : null);
                    break;
                default: await LoopbackServer.NotFound(s); break;
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _w.Dispose();
    }

    private static string Crc(byte[] data) => Crc32.HashToUInt32(data).ToString("x8");

    private static async Task Text(Stream s, string text)
    {
        var bytes = Bytes.Ascii(text);
        await LoopbackServer.WriteHead(s, 200, "OK", bytes.Length);
        await s.WriteAsync(bytes);
    }

    private string ModelsDir => _w.Context.ModelsDirectory;
    private string Downloads => Path.Combine(_w.Data, "downloads");

    /// <summary>A catalog with one onnx entry per case, all pointing at the loopback mirror.</summary>
    private string Catalog()
    {
        object Entry(string id, string file, string? sha = null, string? hash = null, long? size = null, string input = "gray-rgb255", string output = "rgb255") => new Dictionary<string, object?>
        {
            ["id"] = id, ["name"] = $"Loopback {id}", ["format"] = "onnx", ["family"] = "DeOldify", ["url"] = _server.Url(file).ToString(),
            ["sha256"] = sha, ["hash_url"] = hash is null ? null : _server.Url(hash).ToString(), ["size_bytes"] = size,
            ["input"] = input, ["output"] = output, ["input_size"] = 64, ["dynamic_size"] = true, ["license"] = "test",
        };
        var doc = new Dictionary<string, object>
        {
            ["schema"] = 1,
            ["models"] = new[]
            {
                Entry("loop-good", "/good.onnx", hash: "/good.hash", size: _good.Length),
                Entry("loop-bad-crc", "/good.onnx", hash: "/wrong.hash"),
                Entry("loop-bad-sha", "/good.onnx", sha: new string('a', 64)),
                Entry("loop-nan", "/nan.onnx", sha: Bytes.Sha(_nan), input: "gray-rgb01", output: "lab-ab"),
                Entry("loop-constant", "/constant.onnx", sha: Bytes.Sha(_constant), input: "gray-rgb01", output: "rgb01"),
                Entry("loop-short", "/short.onnx", hash: "/good.hash", size: _good.Length),
                Entry("loop-short-crc", "/short.onnx", hash: "/good.hash"),
                Entry("loop-always-cut", "/always-cut.onnx", sha: Bytes.Sha(_good)),
                Entry("loop-cut-once", "/cut-once.onnx", sha: Bytes.Sha(_good), size: _good.Length),
            },
        };
        string path = Path.Combine(_w.Root, "loopback-catalog.json");
        File.WriteAllText(path, JsonSerializer.Serialize(doc));
        return path;
    }

    private Task<int> Install(string id) => _w.Cli("models", "install", id, "--catalog", Catalog(), "--data-dir", _w.Data);

    /// <summary>Nothing under any model's final name but the ones that passed, and no temporary files beside them.</summary>
    private void AssertInstalledOnly(params string[] ids)
    {
        var files = Directory.Exists(ModelsDir) ? Directory.GetFiles(ModelsDir).Select(Path.GetFileName).Order().ToArray() : [];
        Assert.Equal(ids.SelectMany(id => new[] { id + ".json", id + ".onnx" }).Order().ToArray(), files);
    }

    [Fact]
    public async Task A_good_file_is_checked_against_the_crc32_hash_file_and_installed_with_its_sha256_and_descriptor()
    {
        Assert.Equal(ExitCodes.Ok, await Install("loop-good"));
        AssertInstalledOnly("loop-good");
        var manifest = ModelManifest.Read(Path.Combine(ModelsDir, "loop-good.json"));
        Assert.Equal(Bytes.Sha(_good), manifest.Sha256);
        Assert.Equal("gray-rgb255", manifest.Input);
        Assert.Equal("rgb255", manifest.Output);
        Assert.Equal("DeOldify", manifest.Family);
        Assert.Contains($"CRC-32 {Crc(_good)} verified", manifest.Notes);
        string output = _w.Output.ToString();
        Assert.Contains("matches the publisher's hash file", output);
        Assert.Contains("contract OK (gray-rgb255 -> rgb255", output);
        Assert.Empty(Directory.GetFiles(Downloads));

        // The installed model colours through the adapter: a gray pixel gets the fixture's known chroma.
        var entry = new ModelStore(Path.Combine(_w.Root, "none"), ModelsDir).Resolve("loop-good");
        var plan = ContractAdapter.Plan(entry.ModelPath, entry.Manifest);
        Assert.Equal(new ModelDescriptor(InputConvention.GrayRgb255, OutputConvention.Rgb255), plan.Descriptor);
    }

    [Fact]
    public async Task A_wrong_crc32_is_refused_and_nothing_is_kept()
    {
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-bad-crc"));
        Assert.Contains("CRC-32 mismatch", _w.Errors.ToString());
        Assert.Contains("0badc0de", _w.Errors.ToString());
        AssertInstalledOnly();
        Assert.Empty(Directory.GetFiles(Downloads));
    }

    [Fact]
    public async Task A_wrong_sha256_is_refused_and_nothing_is_kept()
    {
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-bad-sha"));
        Assert.Contains("SHA-256 mismatch", _w.Errors.ToString());
        AssertInstalledOnly();
        Assert.Empty(Directory.GetFiles(Downloads));
    }

    [Fact]
    public async Task A_model_that_outputs_nan_is_refused_by_the_smoke_inference_on_install_and_on_import()
    {
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-nan"));
        Assert.Contains("NaN or infinite", _w.Errors.ToString());
        AssertInstalledOnly();
        Assert.Empty(Directory.GetFiles(Downloads));

        string file = Path.Combine(_w.Root, "nan-import.onnx");
        File.WriteAllBytes(file, _nan);
        Assert.Equal(ExitCodes.ModelProblem, await _w.Cli("models", "import", file, "--data-dir", _w.Data));
        Assert.DoesNotContain("contract OK", _w.Output.ToString());
        AssertInstalledOnly();
    }

    [Fact]
    public async Task A_model_with_constant_output_is_refused()
    {
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-constant"));
        Assert.Contains("ignores its input", _w.Errors.ToString());
        AssertInstalledOnly();
    }

    [Fact]
    public async Task A_truncated_file_is_refused_by_its_size_and_by_its_crc32()
    {
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-short"));
        Assert.Contains($"the catalog says {_good.Length}", _w.Errors.ToString());
        AssertInstalledOnly();
        Assert.Empty(Directory.GetFiles(Downloads));

        // Without a catalog size, the publisher's CRC-32 still catches it.
        Assert.Equal(ExitCodes.ModelProblem, await Install("loop-short-crc"));
        Assert.Contains("CRC-32 mismatch", _w.Errors.ToString());
        AssertInstalledOnly();
        Assert.Empty(Directory.GetFiles(Downloads));
    }

    [Fact]
    public async Task A_connection_that_always_cuts_out_fails_after_its_retries_keeping_only_a_resumable_part()
    {
        Assert.Equal(ExitCodes.Other, await Install("loop-always-cut"));
        Assert.Contains("run the same command again to resume", _w.Errors.ToString());
        AssertInstalledOnly();
        // The part stays in the downloads folder (with its resume state), never under a model name.
        Assert.All(Directory.GetFiles(Downloads), f => Assert.EndsWith(".part", f.Replace(".part.json", ".part")));
    }

    [Fact]
    public async Task A_connection_cut_midway_is_resumed_and_the_model_installed()
    {
        Assert.Equal(ExitCodes.Ok, await Install("loop-cut-once"));
        Assert.Contains(_server.Requests, r => r.Target == "/cut-once.onnx" && r.RangeStart == _good.Length / 2);
        AssertInstalledOnly("loop-cut-once");
        Assert.Equal(_good, File.ReadAllBytes(Path.Combine(ModelsDir, "loop-cut-once.onnx")));
    }

    [Fact]
    public async Task Install_with_a_model_installs_the_plugin_then_the_catalog_model_as_install_cmd_Model_does()
    {
        // install.ps1 turns "-Model ID" into "install --model ID".
        Assert.Equal(ExitCodes.Ok, await _w.Cli(_w.Args("install", "--payload", _w.Payload, "--model", "loop-good", "--catalog", Catalog())));
        Assert.True(File.Exists(Path.Combine(_w.Plugin, "PdnColorize.dll")));
        AssertInstalledOnly("loop-good");
    }

    [Fact]
    public async Task Import_writes_the_descriptor_given_and_refuses_a_colour_image_model_without_one()
    {
        string file = Path.Combine(_w.Root, "colour.onnx");
        File.WriteAllBytes(file, _good);
        Assert.Equal(ExitCodes.ModelProblem, await _w.Cli("models", "import", file, "--data-dir", _w.Data));
        Assert.Contains("\"output\" (rgb01 or rgb255)", _w.Errors.ToString());
        Assert.Equal(ExitCodes.BadInput, await _w.Cli("models", "import", file, "--input", "gray-255", "--output", "rgb255", "--data-dir", _w.Data));
        AssertInstalledOnly();

        Assert.Equal(ExitCodes.Ok, await _w.Cli("models", "import", file, "--input", "gray-rgb255", "--output", "rgb255", "--data-dir", _w.Data));
        var manifest = ModelManifest.Read(Path.Combine(ModelsDir, "colour.json"));
        Assert.Equal(("gray-rgb255", "rgb255"), (manifest.Input, manifest.Output));
        Assert.Equal(ExitCodes.Ok, await _w.Cli("models", "verify", "--data-dir", _w.Data));
    }
}

public class BuiltInCatalogTests
{
    [Fact]
    public void A_catalog_entry_that_leaves_fields_out_reads_their_defaults()
    {
        // Source-generated JSON (what a trimmed publish runs) must keep the defaults of fields a catalog leaves out.
        var doc = ModelCatalog.Parse("""{ "models": [ { "id": "x", "name": "X", "format": "onnx" } ], "runtimes": [ { "id": "r", "name": "R", "kind": "cuda", "platform": "any", "url": "http://127.0.0.1/r.zip", "files": [] } ] }""", "test");
        Assert.Equal(1, doc.Schema);
        var model = Assert.Single(doc.Models);
        Assert.Equal(512, model.InputSize);
        Assert.Empty(model.MirrorUrls);
        Assert.Empty(model.HashMirrorUrls);
        Assert.Equal("", model.License);
        var runtime = Assert.Single(doc.Runtimes);
        Assert.Equal("zip", runtime.Format);
        Assert.Equal("", runtime.Requires);
    }

    [Fact]
    public void Every_onnx_entry_has_urls_size_licence_descriptor_and_a_checksum_and_one_pick_each_for_gpu_and_cpu()
    {
        var doc = ModelCatalog.Parse(ModelCatalog.BuiltInJson(), "built-in");
        var onnx = doc.Models.Where(m => m.IsOnnx).ToList();
        Assert.True(onnx.Count >= 6, $"{onnx.Count} onnx entries");
        foreach (var m in onnx)
        {
            string who = m.Id;
            Assert.True(Uri.TryCreate(m.Url, UriKind.Absolute, out var url) && url.Scheme == "https", $"{who}: url {m.Url}");
            Assert.All(m.MirrorUrls.Concat(m.HashMirrorUrls), u => Assert.StartsWith("https://", u));
            Assert.True(m.SizeBytes is > 0 || m.ApproxSize is { Length: > 0 }, $"{who}: neither size_bytes nor a note on its size");
            Assert.False(string.IsNullOrWhiteSpace(m.License), $"{who}: no licence");
            Assert.True(m.Input is not null && ModelDescriptor.IsInputName(m.Input), $"{who}: input '{m.Input}'");
            Assert.True(m.Output is not null && ModelDescriptor.IsOutputName(m.Output), $"{who}: output '{m.Output}'");
            Assert.True(m.Sha256 is { Length: 64 } sha && sha.All(Uri.IsHexDigit) || m.HashUrl is { } h && h.StartsWith("https://"),
                $"{who}: neither a sha256 nor an https hash_url");
            Assert.False(string.IsNullOrWhiteSpace(m.Source), $"{who}: no source");
            Assert.False(string.IsNullOrWhiteSpace(m.Family), $"{who}: no family");
            Assert.True(m.InputSize > 0, $"{who}: no recommended size");
        }
        Assert.Single(onnx, m => m.RecommendedFor == "gpu");
        Assert.Single(onnx, m => m.RecommendedFor == "cpu");
        Assert.Contains(doc.Models, m => m.IsCheckpoint); // the .pth route stays for advanced users
    }

    [Fact]
    public void A_crc32_hash_file_is_eight_hex_digits()
    {
        Assert.Equal("0badc0de", Crc32File.Parse(" 0BADC0DE\n"));
        Assert.Null(Crc32File.Parse("not a hash"));
        Assert.Null(Crc32File.Parse(new string('a', 64)));
    }
}
