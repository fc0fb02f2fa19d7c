using PdnColorize.Calibration;

namespace PdnColorize.Calibration.Tests;

public sealed class RangeTests
{
    private static float[] Gaussian(int n, int seed, double sigma = 1)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            v[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static ActivationStats Stats(params float[][] batches)
    {
        var s = new ActivationStats("t");
        foreach (var b in batches) s.Add(b);
        return s;
    }

    [Fact]
    public void Entropy_keeps_the_whole_range_of_a_uniform_distribution()
    {
        var rng = new Random(3);
        var v = Enumerable.Range(0, 200_000).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 4f).ToArray();
        var s = Stats(v);
        var r = RangeMethods.Compute(s, RangeMethod.Entropy);
        Assert.InRange(r.Threshold, 0.95f * s.MaxAbs, s.MaxAbs);
    }

    [Fact]
    public void Entropy_clips_the_outliers_of_a_gaussian()
    {
        var v = Gaussian(300_000, 5).Concat(new[] { 60f, -55f, 58f, 61f, -60f }).ToArray();
        var s = Stats(v);
        Assert.Equal(61f, s.MaxAbs);
        float entropy = RangeMethods.Compute(s, RangeMethod.Entropy).Threshold;
        float minmax = RangeMethods.Compute(s, RangeMethod.MinMax).Threshold;
        float p9999 = RangeMethods.Compute(s, RangeMethod.Percentile, 99.99).Threshold;
        Assert.Equal(61f, minmax);
        Assert.InRange(entropy, 2.0f, 10f);  // a few sigma, nowhere near the outliers
        Assert.InRange(p9999, 3.5f, 4.3f);   // |N(0,1)| 99.99th percentile = 3.89
    }

    [Fact]
    public void Entropy_threshold_grows_with_the_spread()
    {
        float narrow = RangeMethods.Compute(Stats(Gaussian(100_000, 1, 1).Append(40f).ToArray()), RangeMethod.Entropy).Threshold;
        float wide = RangeMethods.Compute(Stats(Gaussian(100_000, 1, 4).Append(40f).ToArray()), RangeMethod.Entropy).Threshold;
        Assert.InRange(wide / narrow, 2.5f, 6f);
    }

    [Fact]
    public void Percentile_of_a_known_histogram()
    {
        var h = new long[ActivationStats.Bins];
        for (int i = 0; i < 1000; i++) h[i] = 1; // |x| uniform over [0, 1000) bins of width 0.01
        var s = ActivationStats.FromHistogram("t", h, 0.01, -10f, 10f);
        Assert.Equal(5f, RangeMethods.PercentileThreshold(h, 0.01, 50, s.MaxAbs), 0.02f);
        Assert.Equal(9.9f, RangeMethods.PercentileThreshold(h, 0.01, 99, s.MaxAbs), 0.02f);
    }

    [Fact]
    public void Histogram_widens_exactly_as_larger_values_arrive()
    {
        var s = new ActivationStats("t");
        s.Add(new float[] { 0, 0, 0 });
        Assert.Equal(0, s.BinWidth);
        s.Add(new float[] { 0.5f, -1f });
        double first = s.BinWidth;
        s.Add(new float[] { 100f, -3f, float.NaN });
        Assert.True(s.BinWidth > first);
        Assert.Equal(7, s.Count); // finite values only
        Assert.Equal(1, s.NonFinite);
        Assert.Equal(7, s.HistogramSnapshot().Sum());
        Assert.Equal(-3f, s.Min);
        Assert.Equal(100f, s.Max);
        Assert.Equal(3, s.HistogramSnapshot()[0]); // the zeros seen before any width existed
        int top = Array.FindLastIndex(s.HistogramSnapshot(), c => c > 0);
        Assert.InRange(top * s.BinWidth, 99.0, 100.0);
    }

    [Fact]
    public void Qdq_range_is_asymmetric_within_the_threshold()
    {
        var s = Stats(new float[] { -1f, 0f, 5f, 2f });
        var r = TensorRange.From(s, 3f);
        Assert.Equal(-1f, r.Low);
        Assert.Equal(3f, r.High);
        var (scale, zp) = QdqBuilder.ActivationParams(r);
        Assert.Equal(4f / 255f, scale, 1e-7f);
        Assert.Equal(64, zp); // round(1 / (4/255))
    }

    [Fact]
    public void Weights_are_symmetric_7_bit_int8_per_output_channel()
    {
        // Two uint8 x int8 products summed into int16 must not saturate on CPUs without VNNI.
        Assert.True(2 * 255 * QdqBuilder.WeightLimit <= short.MaxValue);
        var w = new float[] { 1f, -0.4f, 0.25f, 0f, /* channel 1: */ 10f, 4f, -10f, 2.5f, /* channel 2: all zero */ 0, 0, 0, 0 };
        var (q, scales) = QdqBuilder.QuantizeWeights(w, new long[] { 3, 1, 2, 2 }, 0);
        Assert.Equal(new[] { 1f / 63, 10f / 63, 1f }, scales);
        Assert.Equal(new sbyte[] { 63, -25, 16, 0, 63, 25, -63, 16, 0, 0, 0, 0 }, q);
        // MatMul weights [K, N] are quantised per column (axis 1).
        var (_, cols) = QdqBuilder.QuantizeWeights(new float[] { 1, 2, -3, 4 }, new long[] { 2, 2 }, 1);
        Assert.Equal(new[] { 3f / 63, 4f / 63 }, cols);
    }
}
