using PdnColorize.Core.Color;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Quality.Metrics;

/// <summary>Chroma error at the strongest luminance edges of a photo, and over all of it (mean Euclidean ab).</summary>
public readonly record struct EdgeError(double AtEdges, double Overall, long EdgePixels);

/// <summary>
/// How far colour leaks across luminance edges when the model's low-resolution chroma is brought to full resolution.
/// <list type="bullet">
/// <item><see cref="Step"/>: a synthetic photo with a vertical step of L* at a position that is not on the grid,
/// colourised by <see cref="StepModel"/> (dark -> one colour, bright -> another, linear in between, as a model would
/// answer for a grid cell that straddles the edge). Bleed = per row, the pixels whose ab is off the true colour by
/// more than <c>fraction</c> of the step, averaged over rows: 0 = the colour stops at the edge.</item>
/// <item><see cref="Oracle"/> + <see cref="Compare"/>: on a real colour photo, the true ab area-resampled to the
/// model's grid (what a perfect model would answer), upsampled guided by the photo's L*; the error against the true
/// ab at the 10 % of pixels with the strongest |grad L*| is colour bleeding at real edges, model-free.</item>
/// </list>
/// </summary>
public static class EdgeBleed
{
    /// <summary>The synthetic scene: L* 30 left of <paramref name="edgeX"/>, 75 right of it (gray, 8-bit).</summary>
    public static BgraImage StepImage(int width, int height, double edgeX, double darkL = 30, double brightL = 75)
    {
        var img = new BgraImage(width, height);
        byte dark = (byte)Math.Round(255 * CieLab.GrayFromL(darkL)), bright = (byte)Math.Round(255 * CieLab.GrayFromL(brightL));
        for (int y = 0; y < height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < width; x++)
            {
                byte v = x + 0.5 < edgeX ? dark : bright;
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = 255;
            }
        }
        return img;
    }

    /// <summary>
    /// A model stand-in for the step scene: L* (of the gray it is fed) at or below the dark L* answers (a1, b1), at or
    /// above the bright L* (a2, b2), linear in L* in between. A grid cell straddling the edge has the area mean of L*,
    /// so it gets its two sides' colours mixed by area: exactly what a perfect model would answer on the grid.
    /// </summary>
    public sealed class StepModel(int size, double darkL = 30, double brightL = 75, float a1 = 45, float b1 = 40, float a2 = -35, float b2 = -30) : IChromaModel
    {

        public (float A, float B) Dark => (a1, b1);
        public (float A, float B) Bright => (a2, b2);
        public string Description => "step-edge stand-in";
        public int PreferredSize => size;
        public bool DynamicSize => true;

        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            int plane = height * width;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < plane; i++)
                {
                    double l = LightnessOfGray(gray[n * 3 * plane + i]);
                    float t = (float)Math.Clamp((l - darkL) / (brightL - darkL), 0, 1);
                    ab[n * 2 * plane + i] = a1 + t * (a2 - a1);
                    ab[n * 2 * plane + plane + i] = b1 + t * (b2 - b1);
                }
        }
    }

    private static double LightnessOfGray(double g)
    {
        double y = CieLab.SrgbToLinear(g);
        return y > CieLab.Epsilon ? 116 * Math.Cbrt(y) - 16 : CieLab.Kappa * y;
    }

    /// <summary>
    /// Mean over rows of the number of pixels whose ab differs from the true side's colour by more than
    /// <paramref name="fraction"/> of the step |(a2, b2) - (a1, b1)|.
    /// </summary>
    public static double Step(BgraImage result, double edgeX, StepModel model, double fraction = 0.1)
    {
        int w = result.Width, h = result.Height;
        var (a1, b1) = model.Dark; var (a2, b2) = model.Bright;
        double step = Math.Sqrt((a2 - a1) * (a2 - a1) + (b2 - b1) * (b2 - b1));
        var l = new float[w]; var a = new float[w]; var b = new float[w];
        long wrong = 0;
        for (int y = 0; y < h; y++)
        {
            LabRow.FromBgra(result.Row(y), l, a, b);
            for (int x = 0; x < w; x++)
            {
                bool left = x + 0.5 < edgeX;
                double da = a[x] - (left ? a1 : a2), db = b[x] - (left ? b1 : b2);
                if (Math.Sqrt(da * da + db * db) > fraction * step) wrong++;
            }
        }
        return (double)wrong / h;
    }

    /// <summary>
    /// The chroma field a perfect model would return for <paramref name="truth"/> on a <paramref name="gw"/> x
    /// <paramref name="gh"/> grid: the photo's own a*, b* (and L* as the guide) area-resampled to the grid.
    /// </summary>
    public static ChromaField Oracle(BgraImage truth, int gw, int gh)
    {
        int w = truth.Width, h = truth.Height;
        var dl = new AreaDownsampler(w, h, gw, gh);
        var da = new AreaDownsampler(w, h, gw, gh);
        var db = new AreaDownsampler(w, h, gw, gh);
        var l = new float[w]; var a = new float[w]; var b = new float[w];
        for (int y = 0; y < h; y++)
        {
            LabRow.FromBgra(truth.Row(y), l, a, b);
            dl.AddRow(y, l); da.AddRow(y, a); db.AddRow(y, b);
        }
        return new ChromaField(truth.Bounds, gw, gh, da.Result(), db.Result(), "oracle (true ab, area-resampled)") { Guide = dl.Result() };
    }

    /// <summary>Mean ab error of <paramref name="result"/> against <paramref name="truth"/> at the strongest L* edges of the truth and overall.</summary>
    /// <param name="edgeShare">The share of pixels, by |grad L*| of the truth, that count as edges.</param>
    public static EdgeError Compare(BgraImage result, BgraImage truth, double edgeShare = 0.1) =>
        EdgeReference.Of(truth, edgeShare).Compare(result);
}

/// <summary>
/// A colour photo's a*, b* and its edge pixels (the <c>edgeShare</c> of pixels with the largest |grad L*|, central
/// differences), prepared once so many results can be compared against it.
/// </summary>
public sealed class EdgeReference
{
    private readonly int _w, _h;
    private readonly float[] _a, _b;
    private readonly bool[] _edge;
    private readonly long _edges;

    private EdgeReference(int w, int h, float[] a, float[] b, bool[] edge, long edges)
    {
        _w = w; _h = h; _a = a; _b = b; _edge = edge; _edges = edges;
    }

    public static EdgeReference Of(BgraImage truth, double edgeShare = 0.1)
    {
        int w = truth.Width, h = truth.Height;
        var tl = new float[(long)w * h]; var ta = new float[(long)w * h]; var tb = new float[(long)w * h];
        Parallel.For(0, h, y => LabRow.FromBgra(truth.Row(y), tl.AsSpan(y * w, w), ta.AsSpan(y * w, w), tb.AsSpan(y * w, w)));
        var grad = new float[(long)w * h];
        Parallel.For(0, h, y =>
        {
            int ym = Math.Max(0, y - 1), yp = Math.Min(h - 1, y + 1);
            for (int x = 0; x < w; x++)
            {
                int xm = Math.Max(0, x - 1), xp = Math.Min(w - 1, x + 1);
                float gx = tl[y * w + xp] - tl[y * w + xm], gy = tl[yp * w + x] - tl[ym * w + x];
                grad[y * w + x] = gx * gx + gy * gy;
            }
        });
        // threshold = the (1 - share) quantile, from a sorted sample (every pixel when small)
        int stride = (int)Math.Max(1, grad.LongLength / 1_000_000);
        var sample = new float[(grad.Length + stride - 1) / stride];
        for (int i = 0, k = 0; i < grad.Length; i += stride, k++) sample[k] = grad[i];
        Array.Sort(sample);
        int idx = Math.Clamp((int)Math.Round((1 - edgeShare) * sample.Length), 0, sample.Length - 1);
        float threshold = sample[idx];
        var edge = new bool[grad.Length];
        long edges = 0;
        for (int i = 0; i < grad.Length; i++)
            if (grad[i] >= threshold && grad[i] > 0) { edge[i] = true; edges++; }
        return new EdgeReference(w, h, ta, tb, edge, edges);
    }

    public EdgeError Compare(BgraImage result)
    {
        if (result.Width != _w || result.Height != _h) throw new ArgumentException("the images differ in size");
        int w = _w;
        var edgeSums = new double[_h]; var allSums = new double[_h];
        Parallel.For(0, _h, () => (new float[w], new float[w], new float[w]), (y, _, rows) =>
        {
            var (l, a, b) = rows;
            LabRow.FromBgra(result.Row(y), l, a, b);
            double e = 0, all = 0;
            for (int x = 0, i = y * w; x < w; x++, i++)
            {
                float da = a[x] - _a[i], db = b[x] - _b[i];
                float d = MathF.Sqrt(da * da + db * db);
                all += d;
                if (_edge[i]) e += d;
            }
            edgeSums[y] = e; allSums[y] = all;
            return rows;
        }, _ => { });
        double edgeSum = 0, allSum = 0;
        for (int y = 0; y < _h; y++) { edgeSum += edgeSums[y]; allSum += allSums[y]; }
        return new EdgeError(edgeSum / Math.Max(1, _edges), allSum / ((double)_w * _h), _edges);
    }
}
