using System.Runtime.InteropServices;
using PdnColorize.Core.Pixels;
using SkiaSharp;

namespace PdnColorize.Imaging;

/// <summary>
/// Turns pixels stored in an EXIF orientation (1..8) into upright pixels. For each orientation the stored pixel of
/// an upright pixel (ox, oy) is an affine function of (ox, oy): EXIF says which visual side row 0 and column 0 of
/// the stored image lie on. Orientations 5..8 swap width and height.
/// </summary>
internal static class Orientation
{
    private const int Tile = 64;

    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Returns the upright image: <paramref name="stored"/> itself for TopLeft (or an unknown value), a new image otherwise.</summary>
    public static BgraImage Apply(BgraImage stored, SKEncodedOrigin origin)
    {
        int w = stored.Width, h = stored.Height;
        // (sx, sy) = (ax*ox + bx*oy + cx, ay*ox + by*oy + cy)
        (int ax, int bx, int cx, int ay, int by, int cy) map = origin switch
        {
            SKEncodedOrigin.TopRight => (-1, 0, w - 1, 0, 1, 0),         // mirrored left-right
            SKEncodedOrigin.BottomRight => (-1, 0, w - 1, 0, -1, h - 1), // rotated 180
            SKEncodedOrigin.BottomLeft => (1, 0, 0, 0, -1, h - 1),       // mirrored top-bottom
            SKEncodedOrigin.LeftTop => (0, 1, 0, 1, 0, 0),               // transposed
            SKEncodedOrigin.RightTop => (0, 1, 0, -1, 0, h - 1),         // shown after 90 degrees clockwise
            SKEncodedOrigin.RightBottom => (0, -1, w - 1, -1, 0, h - 1), // transverse
            SKEncodedOrigin.LeftBottom => (0, -1, w - 1, 1, 0, 0),       // shown after 90 degrees counter-clockwise
            _ => default,
        };
        if (map == default) return stored;
        if (stored.Stride % 4 != 0) throw new ArgumentException("stride must be a whole number of pixels");

        var upright = SwapsAxes(origin) ? new BgraImage(h, w) : new BgraImage(w, h);
        int ow = upright.Width, oh = upright.Height;
        long ss = stored.Stride / 4, ds = upright.Stride / 4;
        long dx = map.ay * ss + map.ax, dy = map.by * ss + map.bx, origin0 = map.cy * ss + map.cx;
        var src = MemoryMarshal.Cast<byte, uint>(stored.Pixels.Span);
        var dst = MemoryMarshal.Cast<byte, uint>(upright.Pixels.Span);

        // Tiles keep both the reads and the writes of a transpose inside the cache.
        for (int ty = 0; ty < oh; ty += Tile)
        for (int tx = 0; tx < ow; tx += Tile)
        {
            int yEnd = Math.Min(oh, ty + Tile), xEnd = Math.Min(ow, tx + Tile);
            for (int oy = ty; oy < yEnd; oy++)
            {
                long s = origin0 + oy * dy + tx * dx;
                long d = oy * ds + tx;
                for (int ox = tx; ox < xEnd; ox++, s += dx, d++)
                    dst[(int)d] = src[(int)s];
            }
        }
        return upright;
    }
}
