namespace PdnColorize.Calibration;

/// <summary>How a tensor's quantisation range is chosen from what calibration saw.</summary>
public enum RangeMethod
{
    /// <summary>The observed min and max.</summary>
    MinMax,

    /// <summary>|x| clipped at a percentile of its distribution (e.g. 99.99).</summary>
    Percentile,

    /// <summary>TensorRT's entropy calibration: the |x| threshold whose 128-level quantisation loses least information (KL divergence).</summary>
    Entropy,
}

/// <summary>The range one tensor is quantised to: <see cref="Threshold"/> bounds |x| (the TensorRT dynamic range),
/// <see cref="Low"/>..<see cref="High"/> is the asymmetric range of the QDQ model (within ±threshold).</summary>
public readonly record struct TensorRange(float Low, float High, float Threshold)
{
    public static TensorRange From(ActivationStats stats, float threshold)
    {
        float t = Math.Min(threshold, stats.MaxAbs);
        float lo = stats.Count == 0 ? 0 : Math.Max(stats.Min, -t);
        float hi = stats.Count == 0 ? 0 : Math.Min(stats.Max, t);
        return new TensorRange(lo, hi, t);
    }
}

public static class RangeMethods
{
    /// <summary>Levels on one side of zero in INT8 (TensorRT quantises |x| to 128 levels).</summary>
    public const int QuantizedBins = 128;

    public static RangeMethod Parse(string text) => text.ToLowerInvariant() switch
    {
        "minmax" => RangeMethod.MinMax,
        "percentile" => RangeMethod.Percentile,
        "entropy" => RangeMethod.Entropy,
        _ => throw new ArgumentException($"method must be minmax, percentile or entropy; got '{text}'"),
    };

    public static string Label(this RangeMethod method) => method switch
    {
        RangeMethod.MinMax => "minmax",
        RangeMethod.Percentile => "percentile",
        _ => "entropy",
    };

    /// <summary>The range of a tensor under a method.</summary>
    public static TensorRange Compute(ActivationStats stats, RangeMethod method, double percentile = 99.99)
    {
        float threshold = method switch
        {
            RangeMethod.MinMax => stats.MaxAbs,
            RangeMethod.Percentile => PercentileThreshold(stats.HistogramSnapshot(), stats.BinWidth, percentile, stats.MaxAbs),
            _ => EntropyThreshold(stats.HistogramSnapshot(), stats.BinWidth, stats.MaxAbs),
        };
        return TensorRange.From(stats, threshold);
    }

    /// <summary>The |x| below which <paramref name="percentile"/> % of the values lie, interpolated within its bin.</summary>
    public static float PercentileThreshold(long[] histogram, double binWidth, double percentile, float maxAbs)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), "percentile must lie in (0, 100]");
        long total = 0;
        foreach (long c in histogram) total += c;
        if (total == 0 || binWidth == 0) return maxAbs;
        double target = total * (percentile / 100.0);
        double cumulative = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            if (histogram[i] == 0) continue;
            if (cumulative + histogram[i] >= target)
            {
                double fraction = (target - cumulative) / histogram[i];
                return (float)Math.Min(maxAbs, (i + fraction) * binWidth);
            }
            cumulative += histogram[i];
        }
        return maxAbs;
    }

    /// <summary>
    /// TensorRT's entropy calibration over a histogram of |x|: for each candidate bin count i (from 128 up to the last
    /// used bin), P = the first i bins with everything beyond folded into the last, Q = the first i bins merged into
    /// 128 levels and spread back over their nonzero bins; the i with the smallest KL(P || Q) gives the threshold
    /// (i + 0.5) bin widths. Zeros of Q where P has mass are smoothed (a small epsilon taken from the nonzero bins).
    /// Bin 0 is first set to bin 1 as NVIDIA's implementation does: after a Relu most values are exactly 0, and that
    /// spike, smeared over its level by Q, would otherwise dominate the divergence and drag the threshold down.
    /// </summary>
    public static float EntropyThreshold(long[] histogram, double binWidth, float maxAbs)
    {
        if (histogram.Length > 1)
        {
            histogram = (long[])histogram.Clone();
            histogram[0] = histogram[1];
        }
        int used = histogram.Length;
        while (used > 0 && histogram[used - 1] == 0) used--;
        if (used == 0 || binWidth == 0) return maxAbs;
        if (used <= QuantizedBins) return maxAbs; // every bin gets its own level: nothing to clip

        var p = new double[used];
        var q = new double[used];
        double[] suffix = new double[used + 1]; // suffix[i] = sum of histogram[i..used)
        for (int i = used - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + histogram[i];

        double bestDivergence = double.PositiveInfinity;
        int best = used;
        for (int i = QuantizedBins; i <= used; i++)
        {
            // Reference distribution: first i bins, outliers folded into the last one.
            for (int k = 0; k < i; k++) p[k] = histogram[k];
            p[i - 1] += suffix[i];

            // Candidate: the first i bins (no outliers) merged into 128 levels, expanded over their nonzero bins.
            Array.Clear(q, 0, i);
            for (int level = 0; level < QuantizedBins; level++)
            {
                int start = (int)((long)level * i / QuantizedBins);
                int end = (int)((long)(level + 1) * i / QuantizedBins);
                double sum = 0;
                int nonzero = 0;
                for (int k = start; k < end; k++)
                {
                    sum += histogram[k];
                    if (histogram[k] != 0) nonzero++;
                }
                if (nonzero == 0) continue;
                double share = sum / nonzero;
                for (int k = start; k < end; k++)
                    if (histogram[k] != 0) q[k] = share;
            }

            double divergence = KlDivergence(p.AsSpan(0, i), q.AsSpan(0, i));
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }
        }
        return (float)Math.Min(maxAbs, (best + 0.5) * binWidth);
    }

    /// <summary>KL(P || Q) of two unnormalised distributions, Q smoothed where it is zero and P is not.</summary>
    internal static double KlDivergence(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        const double Epsilon = 1e-4;
        double pSum = 0, qSum = 0;
        int qZeros = 0, qNonzeros = 0;
        for (int k = 0; k < p.Length; k++)
        {
            pSum += p[k];
            qSum += q[k];
            if (q[k] == 0) qZeros++; else qNonzeros++;
        }
        if (pSum == 0) return 0;
        if (qSum == 0) return double.PositiveInfinity;
        // Smoothing: each zero of Q gets epsilon of probability, taken evenly from the nonzero ones.
        double take = qNonzeros == 0 ? 0 : Epsilon * qZeros / qNonzeros;
        double divergence = 0;
        for (int k = 0; k < p.Length; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / pSum;
            double qk = q[k] == 0 ? Epsilon : q[k] / qSum - take;
            if (qk <= 0) qk = Epsilon;
            divergence += pk * Math.Log(pk / qk);
        }
        return divergence;
    }
}
