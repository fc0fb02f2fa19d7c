using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>A cache that cannot be written is not a device problem: the run goes on and says so.</summary>
public sealed class UnwritableCacheTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(string cache, params string[] args) =>
        CliProcess.Run(_dir.Path, fixture.UserModels, cache, TimeSpan.FromSeconds(90), args);

    private string GrayPng()
    {
        string path = _dir.File("in.png");
        ImageCodec.Save(TestImages.Gray(64, 48), path);
        return path;
    }

    [Fact]
    public void Fp16_with_a_file_as_the_cache_folder_converts_for_this_run_and_says_so()
    {
        string cache = _dir.File("cache-is-a-file");
        File.WriteAllText(cache, "not a folder");
        var r = Run(cache, "colorize", GrayPng(), "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--precision", "fp16", "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("cannot be written", r.Stderr);
        Assert.Contains("for this run only", r.Stderr);
        Assert.DoesNotContain("device", r.Stderr);
        Assert.Contains("FP16", r.Stdout);
    }

    [Fact]
    public void Fp16_with_its_cache_entry_replaced_by_a_folder_still_runs()
    {
        string cache = _dir.File("cache");
        var first = Run(cache, "colorize", GrayPng(), "-o", _dir.File("a.png"), "--model", fixture.Plumbing, "--precision", "fp16", "--device", "cpu");
        Assert.True(first.ExitCode == 0, first.ToString());
        string entry = Assert.Single(Directory.GetFiles(cache, "model.fp16.onnx", SearchOption.AllDirectories));
        File.Delete(entry);
        Directory.CreateDirectory(entry);
        var r = Run(cache, "colorize", GrayPng(), "-o", _dir.File("b.png"), "--model", fixture.Plumbing, "--precision", "fp16", "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("for this run only", r.Stderr);
        Assert.True(File.Exists(_dir.File("b.png")));
    }

    [Fact]
    public void Calibrate_checks_its_output_folder_before_the_work()
    {
        string photos = _dir.File("photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 3; i++) ImageCodec.Save(TestImages.Colour(64, 48, seed: i + 1), Path.Combine(photos, $"p{i}.png"));
        File.WriteAllText(_dir.File("blocker"), "a file where a folder should be");
        var r = Run(_dir.File("cache"), "calibrate", fixture.Plumbing, photos, "-o", Path.Combine(_dir.File("blocker"), "cal"), "--samples", "2", "--validation", "0");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("cannot be written", r.Stderr);
        Assert.DoesNotContain("ranges of", r.Stderr); // no calibration work was done first
    }
}
