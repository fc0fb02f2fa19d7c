using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality.Metrics;

/// <summary>
/// The black-and-white version of a colour image as the evaluation protocol defines it: each pixel keeps its L*
/// and gets a* = b* = 0, written back as 8-bit sRGB gray (the same gray the model is fed). Alpha is kept.
/// It is also the "gray baseline" scored against the original.
/// </summary>
public static class GrayVersion
{
    public static BgraImage Of(BgraImage colour)
    {
        ArgumentNullException.ThrowIfNull(colour);
        var gray = new BgraImage(colour.Width, colour.Height);
        Parallel.For(0, colour.Height, y =>
        {
            var src = colour.Row(y);
            var dst = gray.Row(y);
            for (int i = 0; i < src.Length; i += 4)
            {
                double l = CieLab.FromSrgb(src[i + 2] / 255.0, src[i + 1] / 255.0, src[i] / 255.0).L;
                byte g = (byte)Math.Round(255 * CieLab.GrayFromL(l));
                dst[i] = dst[i + 1] = dst[i + 2] = g;
                dst[i + 3] = src[i + 3];
            }
        });
        return gray;
    }
}
