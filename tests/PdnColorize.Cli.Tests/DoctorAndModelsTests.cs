using PdnColorize.Engines;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

public sealed class DoctorAndModelsTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Doctor_exits_0_and_names_the_cpu_provider()
    {
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "doctor");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("CPUExecutionProvider", r.Stdout);
        Assert.Contains("CPU", r.Stdout);
        Assert.Contains("ONNX Runtime", r.Stdout);
        Assert.Contains("CPU cores", r.Stdout);
        Assert.Contains("user", r.Stdout);
    }

    [Fact]
    public void Models_list_and_verify_read_the_user_folder()
    {
        string models = _dir.File("models");
        Directory.CreateDirectory(models);
        string good = FixtureModels.Plumbing(Path.Combine(models, "fixture-good.onnx"));
        File.WriteAllText(Path.Combine(models, "fixture-good.json"), new ModelManifest
        {
            Id = "fixture-good", Name = "Good fixture", InputSize = 64, DynamicSize = true, Sha256 = ModelFingerprint.Compute(good),
        }.ToJson());
        FixtureModels.Plumbing(Path.Combine(models, "fixture-bad.onnx"), aScale: 10);
        File.WriteAllText(Path.Combine(models, "fixture-bad.json"), new ModelManifest
        {
            Id = "fixture-bad", Name = "Bad fixture", InputSize = 64, Sha256 = new string('0', 64),
        }.ToJson());

        var list = CliProcess.Run(_dir.Path, models, "models", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("fixture-good", list.Stdout);
        Assert.Contains("fixture-bad", list.Stdout);
        Assert.Contains("user", list.Stdout);

        var verify = CliProcess.Run(_dir.Path, models, "models", "verify");
        Assert.True(verify.ExitCode == 3, verify.ToString());
        Assert.Contains("FAILED", verify.Stdout);
        Assert.Matches(@"\b\d+ ok, 1 failed", verify.Stdout); // the embedded model, when built, verifies too

        // A user model is usable by id.
        string input = _dir.File("in.png");
        PdnColorize.Imaging.ImageCodec.Save(TestImages.Gray(32, 32), input);
        var run = CliProcess.Run(_dir.Path, models, "colorize", input, "--model", "fixture-good");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(_dir.File("in.colorized.png")));
    }

    [Fact]
    public void No_verb_or_unknown_verb_is_a_usage_error()
    {
        Assert.Equal(2, CliProcess.Run(_dir.Path, fixture.UserModels).ExitCode);
        Assert.Equal(2, CliProcess.Run(_dir.Path, fixture.UserModels, "paint").ExitCode);
        Assert.Equal(0, CliProcess.Run(_dir.Path, fixture.UserModels, "--help").ExitCode);
    }
}
