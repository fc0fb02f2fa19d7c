using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality.Metrics;

/// <summary>The seam score of one image and the numbers behind it.</summary>
/// <param name="Score">Near / Elsewhere; 1.0 = seams invisible to this measure.</param>
/// <param name="Near">Mean |grad ab| of pixels within the band of a line.</param>
/// <param name="Elsewhere">Mean |grad ab| of the other pixels of the region.</param>
public readonly record struct SeamMeasure(double Score, double Near, double Elsewhere, long NearPixels, long ElsewherePixels);

/// <summary>
/// The seam score (docs/architecture.md): mean |grad ab| on pixels within <c>band</c> px of internal tile borders divided by mean
/// |grad ab| elsewhere in the region. |grad ab| = sqrt(da/dx^2 + da/dy^2 + db/dx^2 + db/dy^2) with forward
/// differences of CIE a*, b* (from the 8-bit result). A pixel is near a vertical line at x = p when its centre
/// x + 0.5 lies within <c>band</c> of p (so 4 columns for band 2); lines are in image pixels and may be fractional.
/// </summary>
public static class SeamScore
{
    public const double DefaultBand = 2;

    public static SeamMeasure Compute(BgraImage image, PixelRect region, IReadOnlyList<double> verticalLines,
        IReadOnlyList<double> horizontalLines, double band = DefaultBand, int threads = 0) =>
        AbGradient.Of(image, region, threads).Score(verticalLines, horizontalLines, band);

    /// <summary>
    /// The lines moved by <paramref name="shift"/> px right and down, the same shift for both: a control that keeps
    /// the lines' spacing and, for shifts in multiples of 8, their phase on the JPEG block lattice.
    /// </summary>
    public static IReadOnlyList<double> Shifted(IReadOnlyList<double> lines, double shift) => lines.Select(p => p + shift).ToList();

    internal static bool[] NearMask(int length, int origin, IReadOnlyList<double> lines, double band)
    {
        var near = new bool[length];
        foreach (double p in lines)
        {
            int from = Math.Max(0, (int)Math.Ceiling(p - band - 0.5) - origin);
            int to = Math.Min(length - 1, (int)Math.Floor(p + band - 0.5) - origin);
            for (int i = from; i <= to; i++) near[i] = true;
        }
        return near;
    }
}

/// <summary>
/// |grad ab| of every pixel of a region (forward differences of CIE a*, b* decoded from the 8-bit image), computed
/// once so the seam score can be taken at many line sets (the shifted-lines control) without decoding again.
/// </summary>
public sealed class AbGradient
{
    private readonly float[] _magnitude; // (w - 1) x (h - 1)

    private AbGradient(PixelRect region, float[] magnitude) { Region = region; _magnitude = magnitude; }

    public PixelRect Region { get; }

    public static AbGradient Of(BgraImage image, PixelRect region, int threads = 0)
    {
        region = region.Intersect(image.Bounds);
        if (region.Width < 2 || region.Height < 2) throw new ArgumentException($"region {region} is too small for gradients");
        int w = region.Width, h = region.Height;
        // ab of the region, row by row (float planes: the tool runs on photos, not on 100 MP images)
        var a = new float[(long)w * h];
        var b = new float[(long)w * h];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, h, options, () => new float[w], (y, _, l) =>
        {
            LabRow.FromBgra(image.Row(region.Y + y, region.X, w), l, a.AsSpan(y * w, w), b.AsSpan(y * w, w));
            return l;
        }, _ => { });
        var magnitude = new float[(long)(w - 1) * (h - 1)];
        Parallel.For(0, h - 1, options, y =>
        {
            int o = y * w, m = y * (w - 1);
            for (int x = 0; x < w - 1; x++)
            {
                int i = o + x;
                float dax = a[i + 1] - a[i], day = a[i + w] - a[i], dbx = b[i + 1] - b[i], dby = b[i + w] - b[i];
                magnitude[m + x] = MathF.Sqrt(dax * dax + day * day + dbx * dbx + dby * dby);
            }
        });
        return new AbGradient(region, magnitude);
    }

    /// <summary>The seam score of these lines (image pixels, may be fractional) with a band of <paramref name="band"/> px.</summary>
    public SeamMeasure Score(IReadOnlyList<double> verticalLines, IReadOnlyList<double> horizontalLines, double band = SeamScore.DefaultBand)
    {
        int w = Region.Width, h = Region.Height;
        var nearX = SeamScore.NearMask(w, Region.X, verticalLines, band);
        var nearY = SeamScore.NearMask(h, Region.Y, horizontalLines, band);
        double near = 0, far = 0; long nn = 0, nf = 0;
        for (int y = 0; y < h - 1; y++)
        {
            int m = y * (w - 1);
            for (int x = 0; x < w - 1; x++)
            {
                double g = _magnitude[m + x];
                if (nearX[x] || nearY[y]) { near += g; nn++; }
                else { far += g; nf++; }
            }
        }
        double nearMean = nn > 0 ? near / nn : 0, farMean = nf > 0 ? far / nf : 0;
        double score = nn == 0 ? 1 : farMean > 0 ? nearMean / farMean : nearMean > 0 ? double.PositiveInfinity : 1;
        return new SeamMeasure(score, nearMean, farMean, nn, nf);
    }
}
