using System.Numerics.Tensors;

namespace PdnColorize.Calibration;

/// <summary>
/// What calibration learns about one tensor over all samples: min, max and a histogram of |x| with
/// <see cref="Bins"/> bins over [0, Bins * BinWidth). The histogram grows in one pass: when a value exceeds its range
/// the bin width doubles by merging neighbouring pairs, which is exact (no re-binning estimate), so at least half the
/// bins stay in use. Not thread-safe; one tensor is fed by one thread at a time.
/// </summary>
public sealed class ActivationStats
{
    public const int Bins = 2048;

    private readonly long[] _histogram = new long[Bins];
    private long _pendingZeros;

    public ActivationStats(string name) => Name = name;

    public string Name { get; }
    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }

    /// <summary>Width of one |x| bin; 0 while every value seen was 0.</summary>
    public double BinWidth { get; private set; }

    /// <summary>Values that were NaN or infinite (left out of min, max and histogram).</summary>
    public long NonFinite { get; private set; }

    public float MaxAbs => Count == 0 ? 0 : Math.Max(Math.Abs(Min), Math.Abs(Max));

    public ReadOnlySpan<long> Histogram => _histogram;

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        float lo, hi;
        if (TensorPrimitives.IsFiniteAll(values))
        {
            lo = TensorPrimitives.Min(values);
            hi = TensorPrimitives.Max(values);
        }
        else
        {
            lo = float.PositiveInfinity; hi = float.NegativeInfinity;
            foreach (float v in values)
            {
                if (!float.IsFinite(v)) { NonFinite++; continue; }
                lo = Math.Min(lo, v); hi = Math.Max(hi, v);
            }
            if (lo > hi) return; // nothing finite
        }
        Min = Math.Min(Min, lo);
        Max = Math.Max(Max, hi);
        double amax = Math.Max(Math.Abs(lo), Math.Abs(hi));

        if (BinWidth == 0)
        {
            if (amax == 0)
            {
                _pendingZeros += values.Length;
                Count += values.Length;
                return;
            }
            // The first nonzero batch sets the width so its largest value lands in the last bin.
            BinWidth = amax * (1 + 1e-6) / Bins;
            _histogram[0] += _pendingZeros;
            _pendingZeros = 0;
        }
        while (amax >= BinWidth * Bins) Widen();

        double inv = 1.0 / BinWidth;
        var hist = _histogram;
        long added = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            int index = (int)(Math.Abs(v) * inv);
            hist[index >= Bins ? Bins - 1 : index]++;
            added++;
        }
        Count += added;
    }

    /// <summary>Doubles the bin width, merging bins 2i and 2i+1 into i.</summary>
    private void Widen()
    {
        for (int i = 0; i < Bins / 2; i++) _histogram[i] = _histogram[2 * i] + _histogram[2 * i + 1];
        Array.Clear(_histogram, Bins / 2, Bins / 2);
        BinWidth *= 2;
    }

    /// <summary>A copy of the histogram including zeros not yet binned (all-zero tensors).</summary>
    public long[] HistogramSnapshot()
    {
        var copy = (long[])_histogram.Clone();
        copy[0] += _pendingZeros;
        return copy;
    }

    /// <summary>Builds stats from a known histogram (tests and tools).</summary>
    public static ActivationStats FromHistogram(string name, long[] histogram, double binWidth, float min, float max)
    {
        if (histogram.Length != Bins) throw new ArgumentException($"histogram needs {Bins} bins");
        var s = new ActivationStats(name) { BinWidth = binWidth, Min = min, Max = max, Count = histogram.Sum() };
        histogram.CopyTo(s._histogram, 0);
        return s;
    }
}
