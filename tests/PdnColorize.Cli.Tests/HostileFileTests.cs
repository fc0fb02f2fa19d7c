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

public sealed class TiffCliTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A 16-bit RGB TIFF of a gray picture (levels that use the low bits), as a scanner writes it.</summary>
    private string Tiff16(string name, int w = 64, int h = 48)
    {
        var gray = new ushort[w * h];
        for (int i = 0; i < gray.Length; i++) gray[i] = (ushort)(900 + 1000 * (i % w) + 13 * (i / w));
        var deep = new DeepLuminance(w, h, gray);
        var image = new PdnColorize.Core.Pixels.BgraImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = (byte)((gray[y * w + x] * 255 + 32767) / 65535);
                var px = image.Row(y).Slice(4 * x, 4);
                px[0] = px[1] = px[2] = v;
                px[3] = 255;
            }
        string path = _dir.File(name);
        using (var f = File.Create(path)) TiffCodec.Encode(image, deep, f);
        return path;
    }

    [Fact]
    public void A_16_bit_tiff_is_colourised_into_a_16_bit_png_by_default()
    {
        string input = Tiff16("scan.tif");
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "colorize", input, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        string output = _dir.File("scan.colorized.png");
        var bytes = File.ReadAllBytes(output);
        Assert.Equal(16, bytes[24]); // IHDR bit depth
        Assert.Equal(2, bytes[25]);  // RGB
        Assert.True(PdnColorize.Quality.Metrics.ImageMetrics.Colourfulness(ImageCodec.Load(output)) > 5);
    }

    [Fact]
    public void A_tiff_output_is_written_and_batch_reads_tiffs()
    {
        string input = _dir.File("in");
        Directory.CreateDirectory(input);
        File.Move(Tiff16("a.tif"), Path.Combine(input, "a.tif"));
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "batch", input, _dir.File("out"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotNull(ImageCodec.LoadDecoded(Path.Combine(_dir.File("out"), "a.png")));

        var t = CliProcess.Run(_dir.Path, fixture.UserModels, "colorize", Path.Combine(input, "a.tif"), "-o", _dir.File("a-out.tif"), "--model", fixture.Plumbing);
        Assert.True(t.ExitCode == 0, t.ToString());
        Assert.NotNull(ImageCodec.LoadDecoded(_dir.File("a-out.tif")).Deep); // 16 bits kept in the TIFF too
    }

    [Fact]
    public void A_heic_file_gets_the_one_formats_message()
    {
        string input = _dir.File("IMG_0001.HEIC.png");
        File.WriteAllBytes(input, [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8]);
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is a HEIC image; PdnColorize reads PNG, JPEG, WebP, BMP and TIFF; HEIC, AVIF, JPEG 2000 and GIF are not supported", r.Stderr);
    }
}
