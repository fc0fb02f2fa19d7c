using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Color;

/// <summary>How much colour a photo already holds, in CIELAB chroma.</summary>
/// <param name="MeanChroma">Mean C*ab = sqrt(a*^2 + b*^2).</param>
/// <param name="ChromaSpread">Mean distance in (a*, b*) from the photo's mean tint: what a toned print (sepia, cyanotype) lacks.</param>
public readonly record struct ColourContent(double MeanChroma, double ChromaSpread);

/// <summary>
/// Tells a photo that is already in colour from a black-and-white one, so it is not silently desaturated (colourising
/// keeps only L* and replaces a*, b*: chroma 58 became 6 on a colour photo). A toned black-and-white print has chroma
/// too, but of one hue: its spread around its mean tint stays small, so the decision is made on the spread.
/// </summary>
public static class ExistingColour
{
    /// <summary>
    /// Spread above which a photo counts as in colour. Measured (ExistingColourTests): the six colour photos of
    /// tests/fixtures/photos 8.0-31.2 (Kite and Path, mostly sky and foliage, are the low ones), their gray versions
    /// 0, the gray versions toned sepia (a*, b* up to 6, 22) or cyan (-12, -18) 2.5-5.4 (mean chroma 10-19). 6.5 lies
    /// between the two groups.
    /// </summary>
    public const double SpreadThreshold = 6.5;

    /// <summary>At most this many pixels are looked at (evenly spaced rows and columns): enough for a mean.</summary>
    private const long MaxSamples = 1 << 18;

    public static ColourContent Measure(BgraImage image)
    {
        long pixels = (long)image.Width * image.Height;
        int step = (int)Math.Max(1, Math.Ceiling(Math.Sqrt(pixels / (double)MaxSamples)));
        var a = new List<double>();
        var b = new List<double>();
        for (int y = 0; y < image.Height; y += step)
        {
            var row = image.Row(y);
            for (int x = 0; x < image.Width; x += step)
            {
                int o = 4 * x;
                var (_, pa, pb) = CieLab.FromSrgb(row[o + 2] / 255.0, row[o + 1] / 255.0, row[o] / 255.0);
                a.Add(pa);
                b.Add(pb);
            }
        }
        double ma = a.Average(), mb = b.Average(), chroma = 0, spread = 0;
        for (int i = 0; i < a.Count; i++)
        {
            chroma += Math.Sqrt(a[i] * a[i] + b[i] * b[i]);
            spread += Math.Sqrt((a[i] - ma) * (a[i] - ma) + (b[i] - mb) * (b[i] - mb));
        }
        return new ColourContent(chroma / a.Count, spread / a.Count);
    }

    public static bool IsColour(ColourContent c) => c.ChromaSpread > SpreadThreshold;
}
