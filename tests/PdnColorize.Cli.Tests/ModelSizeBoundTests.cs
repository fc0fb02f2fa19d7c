using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

public sealed class ModelSizeBoundTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private const long GiB = 1L << 30;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_size_above_the_photo_is_lowered_to_its_larger_side_with_a_note()
    {
        Assert.Equal(640, ModelSizeBound.ForPhoto(4096, 640, 400, 64 * GiB, "x.png", out var note));
        Assert.Contains("640x400", note);
        Assert.Equal(416, ModelSizeBound.ForPhoto(4096, 300, 401, 64 * GiB, "x.png", out _)); // rounded up to 32
        Assert.Equal(256, ModelSizeBound.ForPhoto(256, 640, 400, 64 * GiB, "x.png", out note));
        Assert.Null(note);
    }

    [Fact]
    public void A_size_that_does_not_fit_in_memory_is_refused_with_the_largest_that_does()
    {
        // 4096^2 x 800 B = 12.5 GiB > 0.8 x 8 GiB; the largest fitting: sqrt(6.4 GiB / 800) = 2930 -> 2912.
        var e = Assert.Throws<UsageException>(() => ModelSizeBound.ForPhoto(4096, 6000, 4000, 8 * GiB, "big.png", out _));
        Assert.Contains("12.5 GiB", e.Message);
        Assert.Contains("8.0 GiB", e.Message);
        Assert.Contains("largest size that fits: 2912", e.Message);
        Assert.Equal(2912, ModelSizeBound.ForPhoto(2912, 6000, 4000, 8 * GiB, "big.png", out _));
    }

    [Fact]
    public void The_cli_refuses_a_size_beyond_its_memory_before_the_model_runs()
    {
        string input = _dir.File("big.png");
        ImageCodec.Save(TestImages.Gray(2048, 1536), input);
        // A 1 GiB heap limit is what the runtime then reports as available: 2048^2 x 800 B = 3.1 GiB does not fit.
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, _dir.File("cache"), TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x40000000" },
            "colorize", input, "-o", _dir.File("out.png"), "--size", "2048");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--size 2048 needs at least 3.1 GiB", r.Stderr);
        Assert.Contains("largest size that fits", r.Stderr);
        Assert.False(File.Exists(_dir.File("out.png")));
    }
}
