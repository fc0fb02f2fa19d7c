using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Imaging.Tests;

/// <summary>
/// Each EXIF orientation on a JPEG whose stored pixels are the upright picture turned the other way: decoding must
/// give back the upright picture. Four differently coloured quadrants tell all eight orientations apart.
/// </summary>
public sealed class OrientationTests
{
    private const int W = 48, H = 32; // not square: 5..8 must swap the sides

    private static readonly byte[][] QuadrantColours =
    [
        [0, 0, 255], [0, 255, 0],   // top-left red, top-right green (BGR)
        [255, 0, 0], [255, 255, 255], // bottom-left blue, bottom-right white
    ];

    private static BgraImage Upright()
    {
        var img = new BgraImage(W, H);
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            var c = QuadrantColours[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)];
            var p = img.Row(y).Slice(4 * x, 4);
            p[0] = c[0]; p[1] = c[1]; p[2] = c[2]; p[3] = 255;
        }
        return img;
    }

    // Plain geometric operations, composed independently of the codec's table.
    private static BgraImage Map(BgraImage src, int w, int h, Func<int, int, (int X, int Y)> from)
    {
        var dst = new BgraImage(w, h);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var (sx, sy) = from(x, y);
            src.Row(sy).Slice(4 * sx, 4).CopyTo(dst.Row(y).Slice(4 * x, 4));
        }
        return dst;
    }

    private static BgraImage FlipH(BgraImage s) => Map(s, s.Width, s.Height, (x, y) => (s.Width - 1 - x, y));
    private static BgraImage FlipV(BgraImage s) => Map(s, s.Width, s.Height, (x, y) => (x, s.Height - 1 - y));
    private static BgraImage Transpose(BgraImage s) => Map(s, s.Height, s.Width, (x, y) => (y, x));
    private static BgraImage RotateCw(BgraImage s) => FlipH(Transpose(s));
    private static BgraImage RotateCcw(BgraImage s) => FlipV(Transpose(s));

    /// <summary>What a camera stores for each orientation, given the upright scene.</summary>
    private static BgraImage Stored(BgraImage upright, int orientation) => orientation switch
    {
        1 => upright,
        2 => FlipH(upright),
        3 => FlipV(FlipH(upright)),
        4 => FlipV(upright),
        5 => Transpose(upright),
        6 => RotateCcw(upright),           // the viewer turns it clockwise
        7 => FlipV(FlipH(Transpose(upright))),
        8 => RotateCw(upright),            // the viewer turns it counter-clockwise
        _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
    };

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void Jpeg_orientation_is_applied(int orientation)
    {
        var upright = Upright();
        var jpeg = ImageCodecTests.Encode(Stored(upright, orientation), SKEncodedImageFormat.Jpeg, 100);
        var tagged = JpegBytes.WithOrientation(jpeg, orientation, bigEndian: orientation % 2 == 1);
        var decoded = ImageCodec.Load(new MemoryStream(tagged), $"o{orientation}.jpg");

        Assert.Equal((W, H), (decoded.Width, decoded.Height));
        foreach (var (qx, qy) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
        {
            int x = qx * W / 2 + W / 4, y = qy * H / 2 + H / 4;
            var expected = QuadrantColours[qy * 2 + qx];
            var got = decoded.Row(y).Slice(4 * x, 3).ToArray();
            for (int c = 0; c < 3; c++)
                Assert.True(Math.Abs(got[c] - expected[c]) < 12,
                    $"orientation {orientation}, quadrant ({qx},{qy}): expected {string.Join(",", expected)}, got {string.Join(",", got)}");
        }
    }

    [Fact]
    public void Apply_is_pixel_exact_on_a_textured_image()
    {
        var upright = TestImages.Colour(7, 5, seed: 4);
        for (int o = 1; o <= 8; o++)
        {
            var back = Orientation.Apply(Stored(upright, o), (SKEncodedOrigin)o);
            ImageCodecTests.AssertSamePixels(upright, back);
        }
    }
}
