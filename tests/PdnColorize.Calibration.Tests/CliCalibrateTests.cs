using System.Diagnostics;
using System.Text.Json;
using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Calibration.Tests;

/// <summary>The real <c>pdncolorize calibrate</c> (built beside these tests) and INT8 colourising with its output.</summary>
[Collection("calibration")]
public sealed class CliCalibrateTests(CalibrationFixture fx)
{
    private static CliResult Cli(string workDir, params string[] args) =>
        CliProcess.Run(workDir, Path.Combine(workDir, "models"), Path.Combine(workDir, "cache"), TimeSpan.FromSeconds(90), args);

    [Fact]
    public void Calibrate_then_colorize_with_precision_int8_and_the_calibration_folder()
    {
        using var tmp = new TempDir();
        string cal = tmp.File("cal");
        var r = Cli(tmp.Path, "calibrate", fx.ConvRelu, fx.Photos, "-o", cal, "--samples", "4", "--validation", "2", "--size", "64", "--method", "percentile");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("wrote", r.Stdout);
        Assert.True(File.Exists(Path.Combine(cal, CalibrationFiles.QdqModel)));
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(cal, CalibrationFiles.Report))))
        {
            Assert.Equal("percentile", json.RootElement.GetProperty("calibration").GetProperty("method").GetString());
            Assert.Equal(99.99, json.RootElement.GetProperty("calibration").GetProperty("percentile").GetDouble());
        }

        string photo = Directory.GetFiles(fx.Photos).Order().First();
        string outInt8 = tmp.File("int8.png"), outFp32 = tmp.File("fp32.png");
        var c = Cli(tmp.Path, "colorize", photo, "-o", outInt8, "--model", fx.ConvRelu, "--precision", "int8", "--device", "cpu", "--calibration", cal);
        Assert.True(c.ExitCode == 0, c.ToString());
        var f = Cli(tmp.Path, "colorize", photo, "-o", outFp32, "--model", fx.ConvRelu, "--precision", "fp32", "--device", "cpu");
        Assert.True(f.ExitCode == 0, f.ToString());
        double de = PdnColorize.Quality.Metrics.ImageMetrics.MeanCiede2000(ImageCodec.Load(outInt8), ImageCodec.Load(outFp32));
        Assert.InRange(de, 0, 3);
    }

    [Fact]
    public void Default_output_is_the_cache_folder_int8_looks_in()
    {
        using var tmp = new TempDir();
        var r = Cli(tmp.Path, "calibrate", fx.ConvRelu, fx.Photos, "--samples", "3", "--validation", "0", "--size", "64");
        Assert.True(r.ExitCode == 0, r.ToString());
        var c = Cli(tmp.Path, "colorize", Directory.GetFiles(fx.Photos).Order().First(), "-o", tmp.File("o.png"),
            "--model", fx.ConvRelu, "--precision", "int8", "--device", "cpu");
        Assert.True(c.ExitCode == 0, c.ToString());

        // Again without --force: the folder exists, exit 2.
        var again = Cli(tmp.Path, "calibrate", fx.ConvRelu, fx.Photos, "--samples", "3", "--validation", "0", "--size", "64");
        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Contains("--force", again.Stderr);
    }

    [Fact]
    public void Bad_inputs_give_clear_messages_and_exit_codes()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("empty"));
        var empty = Cli(tmp.Path, "calibrate", fx.ConvRelu, tmp.File("empty"), "-o", tmp.File("a"));
        Assert.True(empty.ExitCode == 2, empty.ToString());
        Assert.Contains("empty", empty.Stderr);

        var noFloat = Cli(tmp.Path, "calibrate", fx.NoFloat, fx.Photos, "-o", tmp.File("b"));
        Assert.True(noFloat.ExitCode == 3, noFloat.ToString());
        Assert.Contains("no float32 activations", noFloat.Stderr);

        var badMethod = Cli(tmp.Path, "calibrate", fx.ConvRelu, fx.Photos, "--method", "magic");
        Assert.Equal(2, badMethod.ExitCode);

        var missingDir = Cli(tmp.Path, "calibrate", fx.ConvRelu, tmp.File("nowhere"));
        Assert.Equal(2, missingDir.ExitCode);

        // INT8 with no calibration: a model problem whose message says how to make one.
        var uncalibrated = Cli(tmp.Path, "colorize", Directory.GetFiles(fx.Photos).First(), "-o", tmp.File("x.png"),
            "--model", fx.Plumbing, "--precision", "int8", "--device", "cpu");
        Assert.Equal(3, uncalibrated.ExitCode);
        Assert.Contains("pdncolorize calibrate", uncalibrated.Stderr);
        Assert.DoesNotContain(Directory.GetDirectories(tmp.Path), d => Path.GetFileName(d) is "a" or "b");
    }
}
