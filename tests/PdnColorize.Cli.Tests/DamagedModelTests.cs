using System.Text.Json.Nodes;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>Models whose bytes or manifest are damaged: exit 3 naming the file and the repair, nothing written.</summary>
public sealed class DamagedModelTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private static readonly string Embedded = PdnColorize.Engines.ModelStore.Default().Resolve(null).ModelPath;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, _dir.File("cache"), TimeSpan.FromSeconds(90), args);

    /// <summary>A copy of the embedded model and its manifest under <paramref name="id"/>, the manifest edited.</summary>
    private string CopyOfEmbedded(string id, Action<JsonObject> edit, bool flipABit)
    {
        string onnx = _dir.File(id + ".onnx");
        var bytes = File.ReadAllBytes(Embedded);
        if (flipABit) bytes[bytes.Length / 2] ^= 0x04; // in the weights: the graph still loads and runs
        File.WriteAllBytes(onnx, bytes);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(Embedded, ".json")))!.AsObject();
        manifest["id"] = id;
        edit(manifest);
        File.WriteAllText(Path.ChangeExtension(onnx, ".json"), manifest.ToJsonString());
        return onnx;
    }

    private string GrayPng()
    {
        string path = _dir.File("in.png");
        ImageCodec.Save(TestImages.Gray(64, 48), path);
        return path;
    }

    [Fact]
    public void A_bit_flipped_model_is_refused_with_exit_3_naming_file_and_repair()
    {
        string model = CopyOfEmbedded("flipped", _ => { }, flipABit: true);
        var r = Run("colorize", GrayPng(), "-o", _dir.File("out.png"), "--model", model);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("model problem:", r.Stderr);
        Assert.Contains("flipped.onnx", r.Stderr);
        Assert.Contains("damaged", r.Stderr);
        Assert.Contains("pdncolorize-setup", r.Stderr);
        Assert.False(File.Exists(_dir.File("out.png")));
    }

    [Fact]
    public void An_intact_copy_runs_and_its_verdict_is_cached()
    {
        string model = CopyOfEmbedded("intact", _ => { }, flipABit: false);
        var r = Run("colorize", GrayPng(), "-o", _dir.File("out.png"), "--model", model, "--size", "64");
        Assert.True(r.ExitCode == 0, r.ToString());
        string verdicts = Path.Combine(_dir.File("cache"), "verified-models.txt");
        Assert.Single(File.ReadAllLines(verdicts));
    }

    [Fact]
    public void A_manifest_input_size_of_99999_is_a_model_problem_not_an_unexpected_error()
    {
        string model = CopyOfEmbedded("huge", m => m["input_size"] = 99999, flipABit: false);
        var r = Run("colorize", GrayPng(), "-o", _dir.File("out.png"), "--model", model);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("input_size 99999", r.Stderr);
        Assert.DoesNotContain("unexpected", r.Stderr);
        Assert.False(File.Exists(_dir.File("out.png")));
    }
}
