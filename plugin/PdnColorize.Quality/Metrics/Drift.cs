using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Quality.Metrics;

/// <summary>
/// Drift (docs/architecture.md): how far the detail pass moves the colour story away from the global pass. Both images are
/// taken to CIE Lab, each plane blurred by a Gaussian of <c>sigma</c> px (three box passes of matching variance,
/// clipped at the borders), and the mean CIEDE2000 between the blurred images is reported. Fine detail does not
/// count; a tile that turned a blue sky gray does.
/// </summary>
public static class Drift
{
    /// <summary>The blur of the drift's "32 px Gaussian": sigma = 32 px.</summary>
    public const double DefaultSigma = 32;

    public static double Compute(BgraImage image, BgraImage reference, double sigma = DefaultSigma, PixelRect? region = null, int threads = 0) =>
        Between(Blur(image, sigma, region, threads), Blur(reference, sigma, region, threads), threads);

    /// <summary>
    /// An image in CIE Lab, blurred by sigma px. The planes are first area-averaged by an integer factor of about
    /// sigma / 8 (a box of f px adds (f^2 - 1) / 12 px^2 of variance: under 0.2 % of sigma^2), then blurred by the
    /// rest on the small grid: the same result for a fraction of the work.
    /// </summary>
    public sealed class Blurred
    {
        internal Blurred(int w, int h, float[] l, float[] a, float[] b) { Width = w; Height = h; L = l; A = a; B = b; }
        public int Width { get; }
        public int Height { get; }
        internal float[] L { get; }
        internal float[] A { get; }
        internal float[] B { get; }
    }

    public static Blurred Blur(BgraImage image, double sigma = DefaultSigma, PixelRect? region = null, int threads = 0)
    {
        var r = (region ?? image.Bounds).Intersect(image.Bounds);
        if (r.IsEmpty) throw new ArgumentException("the region is empty");
        int f = Math.Max(1, (int)Math.Floor(sigma / 8));
        int w = Math.Max(1, r.Width / f), h = Math.Max(1, r.Height / f);
        var dl = new AreaDownsampler(r.Width, r.Height, w, h);
        var da = new AreaDownsampler(r.Width, r.Height, w, h);
        var db = new AreaDownsampler(r.Width, r.Height, w, h);
        var l = new float[r.Width]; var a = new float[r.Width]; var b = new float[r.Width];
        for (int y = 0; y < r.Height; y++)
        {
            LabRow.FromBgra(image.Row(r.Y + y, r.X, r.Width), l, a, b);
            dl.AddRow(y, l); da.AddRow(y, a); db.AddRow(y, b);
        }
        var planes = new[] { dl.Result(), da.Result(), db.Result() };
        double scale = (double)r.Width / w;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.ForEach(planes, options, p => BoxFilter.GaussianLike(p, w, h, sigma / scale, new float[p.Length]));
        return new Blurred(w, h, planes[0], planes[1], planes[2]);
    }

    /// <summary>Mean CIEDE2000 between two blurred images of the same size.</summary>
    public static double Between(Blurred p, Blurred q, int threads = 0)
    {
        if (p.Width != q.Width || p.Height != q.Height) throw new ArgumentException("the blurred images differ in size");
        int w = p.Width, h = p.Height;
        var sums = new double[h];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, h, options, y =>
        {
            double s = 0;
            for (int x = 0, i = y * w; x < w; x++, i++)
                s += Ciede2000.Delta(p.L[i], p.A[i], p.B[i], q.L[i], q.A[i], q.B[i]);
            sums[y] = s;
        });
        double total = 0;
        foreach (double s in sums) total += s;
        return total / ((double)w * h);
    }
}
