using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Imaging.Tests;

public sealed class MaskTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Gray_mask_uses_luminance()
    {
        int w = 20, h = 10;
        var rows = new byte[h][];
        for (int y = 0; y < h; y++)
        {
            rows[y] = new byte[w];
            for (int x = 5; x < 12; x++) if (y is >= 2 and < 6) rows[y][x] = (byte)(x == 5 ? 128 : 255);
        }
        File.WriteAllBytes(_dir.File("m.png"), PngBytes.Build(w, h, PngBytes.Gray, 8, rows));
        var mask = ImageCodec.LoadMask(_dir.File("m.png"), w, h);
        Assert.NotNull(mask);
        Assert.Equal(new PixelRect(5, 2, 7, 4), mask.Bounds);
        Assert.Equal(128, mask.Coverage(5, 3));
        Assert.Equal(255, mask.Coverage(6, 3));
        Assert.Equal(0, mask.Coverage(4, 3));
    }

    [Fact]
    public void Mask_with_transparency_uses_alpha()
    {
        var img = new BgraImage(8, 8); // all transparent black
        img.Row(3)[4 * 2 + 3] = 200;    // one pixel, black but 200 alpha
        ImageCodec.Save(img, _dir.File("a.png"));
        var mask = ImageCodec.LoadMask(_dir.File("a.png"), 8, 8);
        Assert.NotNull(mask);
        Assert.Equal(new PixelRect(2, 3, 1, 1), mask.Bounds);
        Assert.Equal(200, mask.Coverage(2, 3));
    }

    [Fact]
    public void Black_mask_covers_nothing()
    {
        var img = new BgraImage(8, 8);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.Row(y)[4 * x + 3] = 255;
        ImageCodec.Save(img, _dir.File("black.png"));
        Assert.Null(ImageCodec.LoadMask(_dir.File("black.png"), 8, 8));
    }

    [Fact]
    public void Mask_of_another_size_is_refused()
    {
        ImageCodec.Save(TestImages.Gray(10, 8), _dir.File("m.png"));
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.LoadMask(_dir.File("m.png"), 12, 8));
        Assert.Contains("10x8", e.Message);
        Assert.Contains("12x8", e.Message);
    }
}
