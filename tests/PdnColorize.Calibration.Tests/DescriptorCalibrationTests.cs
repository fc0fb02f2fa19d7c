using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Calibration.Tests;

/// <summary>INT8 on a model in another I/O convention: calibrate calibrates the adapted (contract) graph, and INT8 finds it.</summary>
[Collection("calibration")]
public sealed class DescriptorCalibrationTests(CalibrationFixture fx)
{
    private static CliResult Cli(string workDir, params string[] args) =>
        CliProcess.Run(workDir, Path.Combine(workDir, "models"), Path.Combine(workDir, "cache"), TimeSpan.FromSeconds(90), args);

    [Fact]
    public void An_L100_model_calibrates_and_colours_at_int8_close_to_fp32()
    {
        using var tmp = new TempDir();
        string model = DescriptorFixtures.LabFromL(tmp.File("zhang-like.onnx"));
        var r = Cli(tmp.Path, "calibrate", model, fx.Photos, "--samples", "4", "--validation", "2", "--size", "64");
        Assert.True(r.ExitCode == 0, r.ToString());

        string photo = Directory.GetFiles(fx.Photos).Order().First();
        string outInt8 = tmp.File("int8.png"), outFp32 = tmp.File("fp32.png");
        var c = Cli(tmp.Path, "colorize", photo, "-o", outInt8, "--model", model, "--precision", "int8", "--device", "cpu", "--size", "64");
        Assert.True(c.ExitCode == 0, c.ToString());
        Assert.DoesNotContain("calibration", c.Stderr); // found under the adapted graph's SHA-256, no "missing" error
        var f = Cli(tmp.Path, "colorize", photo, "-o", outFp32, "--model", model, "--precision", "fp32", "--device", "cpu", "--size", "64");
        Assert.True(f.ExitCode == 0, f.ToString());
        double de = PdnColorize.Quality.Metrics.ImageMetrics.MeanCiede2000(ImageCodec.Load(outInt8), ImageCodec.Load(outFp32));
        Assert.InRange(de, 0, 3);
    }
}
