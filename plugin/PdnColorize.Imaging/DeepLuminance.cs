using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Imaging;

/// <summary>A decoded image, with its 16-bit luminance where the file had 16 bits, and notices for the user.</summary>
public sealed record DecodedImage(BgraImage Image, DeepLuminance? Deep, IReadOnlyList<string> Notes);

/// <summary>
/// The luminance of a 16-bit source, kept beside the 8-bit image the pipeline works on: per pixel the sRGB-encoded
/// gray level (0..65535) of its L*. The pipeline only changes a* and b*, so a 16-bit output takes L* from here and
/// a*, b* from the colourised 8-bit image: the photo's tonal detail survives at 16 bits (archivists scan at 16 for
/// a reason), the colour, which the model predicts at far coarser precision anyway, comes from the 8-bit result.
/// </summary>
public sealed class DeepLuminance
{
    public DeepLuminance(int width, int height, ushort[] gray)
    {
        if (gray.Length != (long)width * height) throw new ArgumentException("one gray level a pixel", nameof(gray));
        Width = width;
        Height = height;
        Gray = gray;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Row-major sRGB-encoded gray levels of the pixels' L*.</summary>
    public ushort[] Gray { get; }

    /// <summary>The 16-bit sRGB gray whose L* is that of the colour (r, g, b in 0..1, sRGB-encoded).</summary>
    public static ushort GrayOf(double r, double g, double b) =>
        (ushort)Math.Round(65535 * CieLab.GrayFromL(CieLab.FromSrgb(r, g, b).L));

    /// <summary>
    /// Row <paramref name="y"/> of the 16-bit result as R, G, B triples: L* from the 16-bit source, a* and b* from
    /// <paramref name="colour"/> (the colourised 8-bit image of the same size).
    /// </summary>
    public void Row16(BgraImage colour, int y, Span<ushort> rgb)
    {
        if (colour.Width != Width || colour.Height != Height) throw new ArgumentException("the colourised image has another size", nameof(colour));
        var src = colour.Row(y);
        for (int x = 0; x < Width; x++)
        {
            int o = 4 * x;
            double v = Gray[(long)y * Width + x] / 65535.0;
            double l = CieLab.FromSrgb(v, v, v).L;
            var (_, a, b) = CieLab.FromSrgb(src[o + 2] / 255.0, src[o + 1] / 255.0, src[o] / 255.0);
            if (src[o] == src[o + 1] && src[o + 1] == src[o + 2]) a = b = 0; // a gray 8-bit pixel stays exactly the source's gray
            var (r, g, bl) = CieLab.ToSrgb(l, a, b);
            rgb[3 * x] = To16(r);
            rgb[3 * x + 1] = To16(g);
            rgb[3 * x + 2] = To16(bl);
        }
    }

    private static ushort To16(double v) => (ushort)Math.Round(65535 * Math.Clamp(v, 0, 1));
}
