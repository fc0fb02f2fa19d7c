using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Tests;

internal static class Pixels
{
    public static byte[] Bytes(BgraImage image)
    {
        var bytes = new byte[image.Width * image.Height * 4];
        for (int y = 0; y < image.Height; y++) image.Row(y).CopyTo(bytes.AsSpan(y * image.Width * 4));
        return bytes;
    }

    public static (byte B, byte G, byte R, byte A) At(BgraImage image, int x, int y)
    {
        var p = image.Row(y, x, 1);
        return (p[0], p[1], p[2], p[3]);
    }

    /// <summary>How far from gray a pixel is (0 for R = G = B).</summary>
    public static int Chroma(BgraImage image, int x, int y)
    {
        var (b, g, r, _) = At(image, x, y);
        return Math.Max(Math.Abs(r - g), Math.Max(Math.Abs(g - b), Math.Abs(r - b)));
    }

    /// <summary>Coverage for a whole image from a per-pixel function.</summary>
    public static byte[] Coverage(int width, int height, Func<int, int, byte> f)
    {
        var c = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) c[y * width + x] = f(x, y);
        return c;
    }

    public static byte[] Rectangles(int width, int height, params PixelRect[] rects) =>
        Coverage(width, height, (x, y) => rects.Any(r => r.Contains(x, y)) ? (byte)255 : (byte)0);

    /// <summary>An ellipse with a soft edge <paramref name="feather"/> pixels wide.</summary>
    public static byte[] FeatheredEllipse(int width, int height, double cx, double cy, double rx, double ry, double feather) =>
        Coverage(width, height, (x, y) =>
        {
            double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
            double edge = (1 - Math.Sqrt(dx * dx + dy * dy)) * Math.Min(rx, ry) / feather; // >= 1 inside, <= 0 outside
            return (byte)Math.Round(255 * Math.Clamp(edge, 0, 1));
        });
}
