using System.Diagnostics;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>Input files that are not what their names say: refused at once with exit 2, nothing left behind.</summary>
public sealed class HostileFileTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) =>
        CliProcess.Run(_dir.Path, fixture.UserModels, _dir.File("cache"), TimeSpan.FromSeconds(30), args);

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Fact]
    public void A_fifo_named_png_is_refused_at_once_by_colorize()
    {
        if (OperatingSystem.IsWindows()) return; // no FIFOs in a Windows folder
        string fifo = _dir.File("photo.png");
        MakeFifo(fifo);
        var r = Run("colorize", fifo, "-o", _dir.File("out.png"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("not a regular file", r.Stderr);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(20), $"took {r.Elapsed}");
        Assert.False(File.Exists(_dir.File("out.png")));
    }

    [Fact]
    public void A_fifo_in_a_batch_folder_is_one_failed_file_not_a_hang()
    {
        if (OperatingSystem.IsWindows()) return;
        string inDir = _dir.File("in");
        Directory.CreateDirectory(inDir);
        ImageCodec.Save(TestImages.Gray(48, 32), Path.Combine(inDir, "a.png"));
        MakeFifo(Path.Combine(inDir, "b.png"));
        var r = Run("batch", inDir, _dir.File("out"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("b.png", r.Stdout);
        Assert.Contains("not a regular file", r.Stdout);
        Assert.Equal(["a.png"], Directory.GetFiles(_dir.File("out")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_device_is_not_called_empty()
    {
        if (!File.Exists("/dev/urandom")) return;
        var r = Run("colorize", "/dev/urandom", "-o", _dir.File("out.png"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("not a regular file", r.Stderr);
        Assert.DoesNotContain("empty", r.Stderr);
    }

    [Fact]
    public void A_jpeg_with_damaged_scan_data_is_exit_2_damaged_and_nothing_is_written()
    {
        var jpeg = CliFixture.Encode(TestImages.Colour(96, 64), SkiaSharp.SKEncodedImageFormat.Jpeg);
        int scan = 2;
        while (jpeg[scan + 1] != 0xDA) scan += 2 + ((jpeg[scan + 2] << 8) | jpeg[scan + 3]);
        scan += 2 + ((jpeg[scan + 2] << 8) | jpeg[scan + 3]);
        new Random(7).NextBytes(jpeg.AsSpan(scan + (jpeg.Length - scan) / 3, 64));
        string input = _dir.File("damaged.jpg");
        File.WriteAllBytes(input, jpeg);
        var r = Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("damaged.jpg' is damaged", r.Stderr);
        Assert.Equal(["damaged.jpg"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }
}
