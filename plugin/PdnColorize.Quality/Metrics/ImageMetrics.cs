using System.Numerics.Tensors;
using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality.Metrics;

/// <summary>The full-reference scores of one image against its ground truth (see <see cref="ImageMetrics.Compare"/>).</summary>
/// <param name="DeltaE2000">Mean CIEDE2000 over all pixels.</param>
/// <param name="PsnrRgb">PSNR in dB over the R, G and B samples (peak 255); +infinity for identical images.</param>
/// <param name="MeanAbsDeltaL">Mean |L*(image) - L*(reference)| over all pixels.</param>
/// <param name="Recall">Colour recall counts (<see cref="ColourRecallCounts"/>).</param>
public readonly record struct ImageComparison(double DeltaE2000, double PsnrRgb, double MeanAbsDeltaL, ColourRecallCounts Recall = default);

/// <summary>
/// Colour recall: of the pixels whose true chroma sqrt(a*² + b*²) is at least <see cref="MinTrueChroma"/>, those the
/// image gives a chroma of at least <see cref="MinChroma"/> with a hue angle within <see cref="MaxHueDegrees"/> of the
/// truth's. Plain CIEDE2000 rewards leaving colour out (the gray input is a strong baseline); recall counts colour put
/// back with the right hue. Counts rather than a ratio, so a set is scored by pooling its pixels.
/// </summary>
public readonly record struct ColourRecallCounts(long Hits, long Eligible)
{
    public const double MinTrueChroma = 15, MinChroma = 8, MaxHueDegrees = 45;
    private static readonly double CosMaxHue = Math.Cos(MaxHueDegrees * Math.PI / 180);

    /// <summary>Hits / eligible pixels; NaN when no pixel of the truth is coloured enough to count.</summary>
    public double Recall => Eligible > 0 ? (double)Hits / Eligible : double.NaN;

    public static ColourRecallCounts operator +(ColourRecallCounts x, ColourRecallCounts y) => new(x.Hits + y.Hits, x.Eligible + y.Eligible);

    /// <summary>Counts one row of Lab a*/b* (image) against the truth's.</summary>
    public static ColourRecallCounts OfRow(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> aTrue, ReadOnlySpan<double> bTrue)
    {
        long hits = 0, eligible = 0;
        for (int x = 0; x < a.Length; x++)
        {
            double ct = Math.Sqrt(aTrue[x] * aTrue[x] + bTrue[x] * bTrue[x]);
            if (ct < MinTrueChroma) continue;
            eligible++;
            double c = Math.Sqrt(a[x] * a[x] + b[x] * b[x]);
            // within the hue bound: the cosine of the angle between the two ab vectors is at least cos(45°)
            if (c >= MinChroma && a[x] * aTrue[x] + b[x] * bTrue[x] >= CosMaxHue * c * ct) hits++;
        }
        return new ColourRecallCounts(hits, eligible);
    }
}

/// <summary>
/// Image quality metrics over <see cref="BgraImage"/> (alpha ignored), host-neutral for eval, tests and calibration.
/// Lab is <see cref="CieLab.FromSrgb"/> (OpenCV convention, D65) in double precision. Sums are formed per row and
/// added in row order, so results do not depend on the number of threads.
/// </summary>
public static class ImageMetrics
{
    /// <summary>Mean CIEDE2000 between two images of the same size.</summary>
    public static double MeanCiede2000(BgraImage image, BgraImage reference) => Compare(image, reference).DeltaE2000;

    /// <summary>Mean |ΔL*| between two images of the same size.</summary>
    public static double MeanAbsDeltaL(BgraImage image, BgraImage reference) => Compare(image, reference).MeanAbsDeltaL;

    /// <summary>
    /// CIEDE2000, |ΔL*| and PSNR in one pass (the Lab conversion is shared).
    /// </summary>
    public static ImageComparison Compare(BgraImage image, BgraImage reference, int threads = 0)
    {
        RequireSameSize(image, reference);
        int w = image.Width, h = image.Height;
        var de = new double[h];
        var dl = new double[h];
        var se = new long[h];
        var recall = new ColourRecallCounts[h];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, h, options,
            () => new LabRows(w),
            (y, _, rows) =>
            {
                var p = image.Row(y);
                var q = reference.Row(y);
                ToLab(p, rows.L1, rows.A1, rows.B1);
                ToLab(q, rows.L2, rows.A2, rows.B2);
                double sum = 0;
                for (int x = 0; x < w; x++)
                    sum += Ciede2000.Delta(rows.L1[x], rows.A1[x], rows.B1[x], rows.L2[x], rows.A2[x], rows.B2[x]);
                de[y] = sum;
                recall[y] = ColourRecallCounts.OfRow(rows.A1, rows.B1, rows.A2, rows.B2);
                TensorPrimitives.Subtract<double>(rows.L1, rows.L2, rows.L1);
                dl[y] = TensorPrimitives.SumOfMagnitudes<double>(rows.L1);
                se[y] = SquaredErrorRow(p, q);
                return rows;
            },
            _ => { });

        double n = (double)w * h;
        var total = default(ColourRecallCounts);
        foreach (var r in recall) total += r;
        return new ImageComparison(Sum(de) / n, Psnr(SumLong(se), 3 * n), Sum(dl) / n, total);
    }

    /// <summary>
    /// Mean CIEDE2000 over the pixels within <paramref name="band"/> px of the image's border: where a model sees its
    /// own padding instead of picture (the detail pass's border hand-over is judged by it).
    /// </summary>
    public static double MeanCiede2000NearBorder(BgraImage image, BgraImage reference, int band)
    {
        RequireSameSize(image, reference);
        if (band <= 0) throw new ArgumentOutOfRangeException(nameof(band), $"the band must be at least 1 px; got {band}");
        int w = image.Width, h = image.Height;
        var rows = new LabRows(w);
        double sum = 0; long count = 0;
        for (int y = 0; y < h; y++)
        {
            // Only the pixels near the border are converted and compared, not the middle of the row.
            var spans = BorderSpans.OfRow(y, w, h, band);
            foreach (var (x0, x1) in new[] { (spans.Start1, spans.End1), (spans.Start2, spans.End2) })
            {
                if (x1 <= x0) continue;
                ToLab(image.Row(y, x0, x1 - x0), rows.L1.AsSpan(x0, x1 - x0), rows.A1.AsSpan(x0, x1 - x0), rows.B1.AsSpan(x0, x1 - x0));
                ToLab(reference.Row(y, x0, x1 - x0), rows.L2.AsSpan(x0, x1 - x0), rows.A2.AsSpan(x0, x1 - x0), rows.B2.AsSpan(x0, x1 - x0));
                for (int x = x0; x < x1; x++)
                    sum += Ciede2000.Delta(rows.L1[x], rows.A1[x], rows.B1[x], rows.L2[x], rows.A2[x], rows.B2[x]);
                count += x1 - x0;
            }
        }
        return sum / count;
    }

    /// <summary>PSNR in dB over R, G and B (peak 255); +infinity when the images are identical.</summary>
    public static double PsnrRgb(BgraImage image, BgraImage reference)
    {
        RequireSameSize(image, reference);
        long sum = 0;
        for (int y = 0; y < image.Height; y++) sum += SquaredErrorRow(image.Row(y), reference.Row(y));
        return Psnr(sum, 3.0 * image.Width * image.Height);
    }

    /// <summary>
    /// Hasler and Süsstrunk's colourfulness M = σ_rgyb + 0.3 μ_rgyb on 0..255 RGB, where rg = R - G,
    /// yb = (R + G)/2 - B, σ_rgyb = sqrt(σ_rg² + σ_yb²), μ_rgyb = sqrt(μ_rg² + μ_yb²), population statistics.
    /// 0 for a gray image. The sums are exact integers (yb is kept doubled).
    /// </summary>
    public static double Colourfulness(BgraImage image)
    {
        long sRg = 0, sYb2 = 0; // sums of rg and 2*yb
        long qRg = 0, qYb2 = 0; // sums of their squares
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            long rs = 0, ys = 0, rq = 0, yq = 0;
            for (int i = 0; i < row.Length; i += 4)
            {
                int b = row[i], g = row[i + 1], r = row[i + 2];
                int rg = r - g, yb2 = r + g - 2 * b;
                rs += rg; ys += yb2; rq += rg * rg; yq += yb2 * yb2;
            }
            sRg += rs; sYb2 += ys; qRg += rq; qYb2 += yq;
        }
        double n = (double)image.Width * image.Height;
        double mRg = sRg / n, mYb = sYb2 / (2 * n);
        double vRg = Math.Max(0, qRg / n - mRg * mRg);
        double vYb = Math.Max(0, qYb2 / (4 * n) - mYb * mYb);
        return Math.Sqrt(vRg + vYb) + 0.3 * Math.Sqrt(mRg * mRg + mYb * mYb);
    }

    private static void ToLab(ReadOnlySpan<byte> bgra, Span<double> l, Span<double> a, Span<double> b)
    {
        for (int x = 0, o = 0; x < l.Length; x++, o += 4)
            (l[x], a[x], b[x]) = CieLab.FromSrgb(bgra[o + 2] / 255.0, bgra[o + 1] / 255.0, bgra[o] / 255.0);
    }

    private static long SquaredErrorRow(ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        long sum = 0;
        for (int i = 0; i < p.Length; i += 4)
        {
            int d0 = p[i] - q[i], d1 = p[i + 1] - q[i + 1], d2 = p[i + 2] - q[i + 2];
            sum += d0 * d0 + d1 * d1 + d2 * d2;
        }
        return sum;
    }

    private static double Psnr(long squaredErrors, double samples) =>
        squaredErrors == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / (squaredErrors / samples));

    private static double Sum(double[] values)
    {
        double s = 0;
        foreach (double v in values) s += v;
        return s;
    }

    private static long SumLong(long[] values)
    {
        long s = 0;
        foreach (long v in values) s += v;
        return s;
    }

    private static void RequireSameSize(BgraImage image, BgraImage reference)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(reference);
        if (image.Width != reference.Width || image.Height != reference.Height)
            throw new ArgumentException($"the images differ in size: {image.Width}x{image.Height} and {reference.Width}x{reference.Height}");
    }

    private sealed class LabRows(int width)
    {
        public readonly double[] L1 = new double[width], A1 = new double[width], B1 = new double[width];
        public readonly double[] L2 = new double[width], A2 = new double[width], B2 = new double[width];
    }
}
