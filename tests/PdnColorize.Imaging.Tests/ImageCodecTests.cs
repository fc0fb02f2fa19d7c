using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Imaging.Tests;

public sealed class ImageCodecTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static byte[] Encode(BgraImage image, SKEncodedImageFormat format, int quality = 95)
    {
        using var ms = new MemoryStream();
        ImageCodec.Encode(image, ms, format, quality);
        return ms.ToArray();
    }

    internal static void AssertSamePixels(BgraImage expected, BgraImage actual, int tolerance = 0)
    {
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        for (int y = 0; y < expected.Height; y++)
        {
            var e = expected.Row(y);
            var a = actual.Row(y);
            for (int i = 0; i < e.Length; i++)
                if (Math.Abs(e[i] - a[i]) > tolerance)
                    Assert.Fail($"pixel ({i / 4},{y}) channel {i % 4}: expected {e[i]}, got {a[i]}");
        }
    }

    [Fact]
    public void Png_round_trip_is_exact_including_straight_alpha()
    {
        var image = TestImages.Gray(37, 23, alphaRamp: true);
        // Colour under alpha 0 must survive too (straight alpha, as Paint.NET keeps it).
        image.Row(0)[0] = 10; image.Row(0)[1] = 200; image.Row(0)[2] = 77; image.Row(0)[3] = 0;
        string path = _dir.File("a.png");
        ImageCodec.Save(image, path);
        AssertSamePixels(image, ImageCodec.Load(path));
    }

    [Fact]
    public void Png_round_trip_of_an_opaque_colour_image_is_exact()
    {
        var image = TestImages.Colour(64, 40, seed: 3);
        string path = _dir.File("c.png");
        ImageCodec.Save(image, path);
        AssertSamePixels(image, ImageCodec.Load(path));
    }

    [Fact]
    public void Jpeg_round_trip_is_close_and_opaque()
    {
        var image = TestImages.Gray(64, 48);
        string path = _dir.File("g.jpg");
        ImageCodec.Save(image, path, jpegQuality: 98);
        var back = ImageCodec.Load(path);
        Assert.Equal((64, 48), (back.Width, back.Height));
        double sum = 0;
        for (int y = 0; y < 48; y++)
        {
            var e = image.Row(y); var a = back.Row(y);
            for (int i = 0; i < e.Length; i += 4)
            {
                sum += Math.Abs(e[i + 1] - a[i + 1]);
                Assert.Equal(255, a[i + 3]);
            }
        }
        Assert.True(sum / (64 * 48) < 3, $"mean error {sum / (64 * 48)}");
    }

    [Fact]
    public void One_by_one_images_round_trip()
    {
        var image = new BgraImage(1, 1);
        image.Row(0)[0] = 1; image.Row(0)[1] = 2; image.Row(0)[2] = 3; image.Row(0)[3] = 255;
        string path = _dir.File("one.png");
        ImageCodec.Save(image, path);
        AssertSamePixels(image, ImageCodec.Load(path));
    }

    [Fact]
    public void Stream_overload_reads_seekable_and_forward_only_streams()
    {
        var image = TestImages.Colour(20, 10);
        var bytes = Encode(image, SKEncodedImageFormat.Png);
        var stream = new MemoryStream(bytes);
        AssertSamePixels(image, ImageCodec.Load(stream, "mem"));
        Assert.True(stream.CanRead, "the caller's stream must stay open");
        AssertSamePixels(image, ImageCodec.Load(new ForwardOnlyStream(bytes), "pipe"));
    }

    [Fact]
    public void Webp_lossless_and_bmp_are_read()
    {
        var image = TestImages.Colour(24, 16, seed: 9);
        using (var ms = new MemoryStream())
        {
            using var pin = image.Pixels.Pin();
            unsafe
            {
                using var pixmap = new SKPixmap(new SKImageInfo(24, 16, SKColorType.Bgra8888, SKAlphaType.Opaque), (IntPtr)pin.Pointer, image.Stride);
                Assert.True(pixmap.Encode(ms, new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100)));
            }
            File.WriteAllBytes(_dir.File("x.webp"), ms.ToArray());
        }
        AssertSamePixels(image, ImageCodec.Load(_dir.File("x.webp")));

        File.WriteAllBytes(_dir.File("x.bmp"), Bmp24(image));
        AssertSamePixels(image, ImageCodec.Load(_dir.File("x.bmp")));
    }

    /// <summary>A 24-bit bottom-up BI_RGB bitmap.</summary>
    private static byte[] Bmp24(BgraImage image)
    {
        int rowBytes = (image.Width * 3 + 3) & ~3;
        int size = 54 + rowBytes * image.Height;
        var b = new byte[size];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BitConverter.TryWriteBytes(b.AsSpan(2), size);
        BitConverter.TryWriteBytes(b.AsSpan(10), 54);
        BitConverter.TryWriteBytes(b.AsSpan(14), 40);
        BitConverter.TryWriteBytes(b.AsSpan(18), image.Width);
        BitConverter.TryWriteBytes(b.AsSpan(22), image.Height);
        BitConverter.TryWriteBytes(b.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(b.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(b.AsSpan(34), rowBytes * image.Height);
        for (int y = 0; y < image.Height; y++)
        {
            var src = image.Row(image.Height - 1 - y);
            int o = 54 + y * rowBytes;
            for (int x = 0; x < image.Width; x++)
            {
                b[o + 3 * x] = src[4 * x]; b[o + 3 * x + 1] = src[4 * x + 1]; b[o + 3 * x + 2] = src[4 * x + 2];
            }
        }
        return b;
    }

    // ------------------------------------------------------------ PNG pixel formats

    [Fact]
    public void Gray_8bit_png_becomes_equal_bgr()
    {
        int w = 9, h = 3;
        var rows = Enumerable.Range(0, h).Select(y => Enumerable.Range(0, w).Select(x => (byte)(x * 30 + y)).ToArray()).ToArray();
        File.WriteAllBytes(_dir.File("g8.png"), PngBytes.Build(w, h, PngBytes.Gray, 8, rows));
        var img = ImageCodec.Load(_dir.File("g8.png"));
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var p = img.Row(y).Slice(4 * x, 4);
            Assert.Equal([rows[y][x], rows[y][x], rows[y][x], (byte)255], p.ToArray());
        }
    }

    [Fact]
    public void Gray_1bit_png_is_black_and_white()
    {
        // 8 pixels: 10110001
        File.WriteAllBytes(_dir.File("g1.png"), PngBytes.Build(8, 1, PngBytes.Gray, 1, [[0b1011_0001]]));
        var img = ImageCodec.Load(_dir.File("g1.png"));
        var expect = new[] { 255, 0, 255, 255, 0, 0, 0, 255 };
        for (int x = 0; x < 8; x++) Assert.Equal(expect[x], img.Row(0)[4 * x + 1]);
    }

    [Fact]
    public void Sixteen_bit_gray_and_rgba_pngs_become_8bit()
    {
        ushort[] values = [0, 0x1234, 0x8080, 0xFFFF];
        var grayRow = values.SelectMany(v => new[] { (byte)(v >> 8), (byte)v }).ToArray();
        File.WriteAllBytes(_dir.File("g16.png"), PngBytes.Build(4, 1, PngBytes.Gray, 16, [grayRow]));
        var g = ImageCodec.Load(_dir.File("g16.png"));
        for (int x = 0; x < 4; x++)
        {
            int expected = (int)Math.Round(values[x] / 257.0);
            Assert.InRange(g.Row(0)[4 * x], expected - 1, expected + 1);
            Assert.Equal(g.Row(0)[4 * x], g.Row(0)[4 * x + 2]);
        }

        // RGBA16: one opaque orange pixel and one half-transparent blue one.
        byte[] rgbaRow = [0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                          0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x80, 0x00];
        File.WriteAllBytes(_dir.File("c16.png"), PngBytes.Build(2, 1, PngBytes.Rgba, 16, [rgbaRow]));
        var c = ImageCodec.Load(_dir.File("c16.png")).Row(0);
        Assert.Equal(0, c[0]); Assert.InRange(c[1], 127, 129); Assert.Equal(255, c[2]); Assert.Equal(255, c[3]);
        Assert.Equal(255, c[4]); Assert.Equal(0, c[5]); Assert.Equal(0, c[6]); Assert.InRange(c[7], 127, 129);
    }

    [Fact]
    public void Paletted_png_with_transparency_and_gray_alpha_png_decode_straight()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        byte[] trns = [255, 128, 0];
        File.WriteAllBytes(_dir.File("p.png"), PngBytes.Build(3, 1, PngBytes.Palette, 8, [[0, 1, 2]], palette, trns));
        var p = ImageCodec.Load(_dir.File("p.png")).Row(0);
        Assert.Equal([0, 0, 255, 255, 0, 255, 0, 128, 255, 0, 0, 0], p.ToArray());

        File.WriteAllBytes(_dir.File("ga.png"), PngBytes.Build(2, 1, PngBytes.GrayAlpha, 8, [[200, 100, 50, 0]]));
        var ga = ImageCodec.Load(_dir.File("ga.png")).Row(0);
        Assert.Equal([200, 200, 200, 100, 50, 50, 50, 0], ga.ToArray());
    }

    [Fact]
    public void Cmyk_jpeg_decodes_to_the_right_colours()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cmyk-red-to-blue.jpg");
        var img = ImageCodec.Load(path);
        Assert.Equal((64, 48), (img.Width, img.Height));
        var top = img.Row(0).Slice(4 * 32, 4);
        var bottom = img.Row(47).Slice(4 * 32, 4);
        Assert.True(top[2] > 230 && top[1] < 25 && top[0] < 25, $"top should be red: {string.Join(",", top.ToArray())}");
        Assert.True(bottom[0] > 230 && bottom[1] < 25 && bottom[2] < 25, $"bottom should be blue: {string.Join(",", bottom.ToArray())}");
    }

    // ------------------------------------------------------------ bad files

    [Fact]
    public void Png_declaring_100000_squared_is_refused_before_allocating()
    {
        string path = _dir.File("bomb.png");
        File.WriteAllBytes(path, PngBytes.HeaderOnly(100_000, 100_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("100000x100000", e.Message);
        Assert.Contains("bomb.png", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Png_within_side_limit_but_over_the_pixel_limit_is_refused()
    {
        string path = _dir.File("wide.png");
        File.WriteAllBytes(path, PngBytes.HeaderOnly(60_000, 60_000));
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.Contains("MP", e.Message);
    }

    [Fact]
    public void Jpeg_declaring_a_huge_frame_is_refused_from_its_header()
    {
        var jpeg = Encode(TestImages.Gray(16, 16), SKEncodedImageFormat.Jpeg);
        string path = _dir.File("bomb.jpg");
        File.WriteAllBytes(path, JpegBytes.WithDeclaredSize(jpeg, 60_000, 60_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("60000x60000", e.Message);
    }

    [Fact]
    public void Zero_by_zero_png_is_refused()
    {
        string path = _dir.File("zero.png");
        File.WriteAllBytes(path, PngBytes.HeaderOnly(0, 0));
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.Contains("0x0", e.Message);
    }

    [Fact]
    public void Truncated_png_is_refused()
    {
        var png = Encode(TestImages.Colour(64, 64), SKEncodedImageFormat.Png);
        string path = _dir.File("cut.png");
        File.WriteAllBytes(path, png[..(png.Length * 2 / 3)]);
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("cut.png", e.Message);
    }

    [Fact]
    public void Truncated_jpeg_is_refused()
    {
        var jpeg = Encode(TestImages.Colour(128, 128), SKEncodedImageFormat.Jpeg);
        string path = _dir.File("cut.jpg");
        File.WriteAllBytes(path, jpeg[..(jpeg.Length * 2 / 3)]);
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Png_with_corrupt_pixel_data_is_refused()
    {
        var png = Encode(TestImages.Colour(64, 64), SKEncodedImageFormat.Png);
        // Overwrite the middle of the IDAT stream with garbage; chunk CRCs are then wrong too.
        for (int i = png.Length / 3; i < png.Length / 3 + 200; i++) png[i] ^= 0x5A;
        string path = _dir.File("bad.png");
        File.WriteAllBytes(path, png);
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("this is plain text, not a picture at all")]
    public void Empty_and_non_image_files_are_refused(string content)
    {
        string path = _dir.File("not-image.png");
        File.WriteAllText(path, content);
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(path));
        Assert.Contains(content.Length == 0 ? "empty" : "not an image", e.Message);
    }

    [Fact]
    public void Missing_file_and_folder_are_refused_with_clear_messages()
    {
        Assert.Contains("does not exist", Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(_dir.File("nope.png"))).Message);
        Assert.Contains("folder", Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(_dir.Path)).Message);
    }

    [Fact]
    public void Gif_is_refused_as_unsupported()
    {
        // GIF89a, 1x1, global palette of 2, one image, LZW min code size 2.
        byte[] gif = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
                      0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B];
        File.WriteAllBytes(_dir.File("x.gif"), gif);
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(_dir.File("x.gif")));
        Assert.Contains("supported", e.Message);
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
