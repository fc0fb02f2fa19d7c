using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

public sealed class BenchTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Png_bench_times_both_encoders_and_refuses_a_bad_run_count()
    {
        string image = _dir.File("in.png");
        ImageCodec.Save(TestImages.Colour(120, 80, seed: 3), image);
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "bench", "--png", image, "--runs", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("png bench: ", r.Stdout);
        Assert.Matches(@"strips, zlib 3, \d+ thread\(s\)\s+\d+ ms\s+\d+\.\d\d MB", r.Stdout);
        Assert.Matches(@"skia \(libpng\), zlib 3, 1 thread\s+\d+ ms\s+\d+\.\d\d MB", r.Stdout);

        var bad = CliProcess.Run(_dir.Path, fixture.UserModels, "bench", "--png", image, "--runs", "0");
        Assert.True(bad.ExitCode == 2, bad.ToString());
    }
}
