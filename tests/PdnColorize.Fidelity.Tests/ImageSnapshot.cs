using System.Globalization;
using PdnColorize.Core.Color;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;

namespace PdnColorize.Fidelity.Tests;

/// <summary>Per-pixel CIEDE2000 between two images of one size, summarised.</summary>
public sealed record DeltaEStats(double Mean, double P99, double Max, int Width, int Height, float[] PerPixel)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"mean ΔE2000 {Mean:F4}, p99 {P99:F4}, max {Max:F3} over {Width}x{Height}");

    public static DeltaEStats Of(BgraImage image, BgraImage reference)
    {
        if (image.Width != reference.Width || image.Height != reference.Height)
            throw new ArgumentException($"sizes differ: {image.Width}x{image.Height} vs golden {reference.Width}x{reference.Height}");
        int w = image.Width, h = image.Height;
        var de = new float[(long)w * h];
        var rowSums = new double[h];
        Parallel.For(0, h, y =>
        {
            var p = image.Row(y);
            var q = reference.Row(y);
            double sum = 0;
            for (int x = 0, o = 0; x < w; x++, o += 4)
            {
                var (l1, a1, b1) = CieLab.FromSrgb(p[o + 2] / 255.0, p[o + 1] / 255.0, p[o] / 255.0);
                var (l2, a2, b2) = CieLab.FromSrgb(q[o + 2] / 255.0, q[o + 1] / 255.0, q[o] / 255.0);
                double d = Ciede2000.Delta(l1, a1, b1, l2, a2, b2);
                de[(long)y * w + x] = (float)d;
                sum += d;
            }
            rowSums[y] = sum;
        });
        double total = 0;
        foreach (double s in rowSums) total += s; // row order: independent of threads
        var sorted = (float[])de.Clone();
        Array.Sort(sorted);
        double p99 = sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.99 * sorted.Length) - 1)];
        return new DeltaEStats(total / de.Length, p99, sorted.Length == 0 ? 0 : sorted[^1], w, h, de);
    }

    /// <summary>
    /// A heat map of the per-pixel ΔE: black = 0, through blue, green, yellow to red at <paramref name="scale"/> ΔE
    /// and beyond (so a FP32 last-bit difference is nearly black and a wrong white point glows).
    /// </summary>
    public BgraImage HeatMap(double scale = 5)
    {
        var img = new BgraImage(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < Width; x++)
            {
                double t = Math.Clamp(PerPixel[(long)y * Width + x] / scale, 0, 1);
                var (r, g, b) = Ramp(t);
                row[4 * x] = b; row[4 * x + 1] = g; row[4 * x + 2] = r; row[4 * x + 3] = 255;
            }
        }
        return img;
    }

    private static (byte R, byte G, byte B) Ramp(double t)
    {
        // 0 black, .25 blue, .5 green, .75 yellow, 1 red
        ReadOnlySpan<(double R, double G, double B)> stops = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 1, 0), (1, 0, 0)];
        double f = t * (stops.Length - 1);
        int i = Math.Min(stops.Length - 2, (int)f);
        double u = f - i;
        var (a, b) = (stops[i], stops[i + 1]);
        static byte C(double v) => (byte)Math.Round(255 * Math.Clamp(v, 0, 1));
        return (C(a.R + (b.R - a.R) * u), C(a.G + (b.G - a.G) * u), C(a.B + (b.B - a.B) * u));
    }
}

/// <summary>
/// Golden-image snapshots judged by CIEDE2000 (Verify's workflow, built here): the golden is
/// <c>Snapshots/&lt;name&gt;.png</c> in the source tree. On a mismatch (or a missing golden) the result is written
/// as <c>&lt;name&gt;.received.png</c> with <c>&lt;name&gt;.diff.png</c> (ΔE heat map) beside the golden and the
/// test fails with the numbers. <c>UPDATE_SNAPSHOTS=1</c> accepts: the golden is (re)written and the test passes.
/// </summary>
public static class ImageSnapshot
{
    public static bool Updating =>
        Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") is "1" or "true" or "TRUE" or "True";

    public static string GoldenPath(string name) => Path.Combine(SourceTree.Snapshots, name + ".png");
    public static string ReceivedPath(string name) => Path.Combine(SourceTree.Snapshots, name + ".received.png");
    public static string DiffPath(string name) => Path.Combine(SourceTree.Snapshots, name + ".diff.png");

    /// <summary>Compares <paramref name="received"/> with the golden <paramref name="goldenName"/>; <paramref name="resultName"/>
    /// names the received/diff files (FP16 and INT8 results are compared with the FP32 golden under their own names).</summary>
    public static DeltaEStats Match(BgraImage received, string goldenName, Tolerance tolerance, string? resultName = null, bool mayUpdate = true)
    {
        resultName ??= goldenName;
        string golden = GoldenPath(goldenName);
        CleanUp(resultName);
        if (Updating && mayUpdate)
        {
            Directory.CreateDirectory(SourceTree.Snapshots);
            ImageCodec.Save(received, golden);
            return DeltaEStats.Of(received, received);
        }
        if (!File.Exists(golden))
        {
            Directory.CreateDirectory(SourceTree.Snapshots);
            ImageCodec.Save(received, ReceivedPath(resultName));
            throw new Xunit.Sdk.XunitException(
                $"golden {golden} is missing; the result was written to {ReceivedPath(resultName)}. " +
                "Run the tests with UPDATE_SNAPSHOTS=1 to accept it.");
        }
        var expected = ImageCodec.Load(golden);
        var stats = DeltaEStats.Of(received, expected);
        if (stats.Mean > tolerance.MaxMean || stats.P99 > tolerance.MaxP99)
        {
            ImageCodec.Save(received, ReceivedPath(resultName));
            ImageCodec.Save(stats.HeatMap(), DiffPath(resultName));
            throw new Xunit.Sdk.XunitException(
                $"{resultName} differs from golden {goldenName}.png: {stats}; allowed {tolerance}. " +
                $"Wrote {Path.GetFileName(ReceivedPath(resultName))} and {Path.GetFileName(DiffPath(resultName))} beside the golden " +
                $"({SourceTree.Snapshots}); set UPDATE_SNAPSHOTS=1 to accept.");
        }
        return stats;
    }

    /// <summary>A passing run removes the received/diff files a previous failure left.</summary>
    private static void CleanUp(string name)
    {
        foreach (var p in new[] { ReceivedPath(name), DiffPath(name) })
            if (File.Exists(p)) File.Delete(p);
    }
}
