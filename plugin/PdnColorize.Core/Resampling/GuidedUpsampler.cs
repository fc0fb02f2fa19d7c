using System.Numerics.Tensors;

namespace PdnColorize.Core.Resampling;

/// <summary>The two ways guided upsampling can use the fitted slopes (measured in docs/quality.md).</summary>
public enum GuidedForm
{
    /// <summary>He and Sun's fast guided filter: q = mean(A) * L + mean(B), both averaged over windows and bilinear.</summary>
    Standard,
    /// <summary>
    /// Bilinear chroma plus the slope times L*'s detail below the grid: q = bil(p) + bil(A) * (L - bil(L_grid)).
    /// Where L* is smooth inside a cell it is exactly bilinear (no extra blur); where L* steps inside a cell the
    /// chroma steps with it.
    /// </summary>
    Residual,
}

/// <summary>
/// The linear coefficients of a guided filter fitted on a low-resolution grid (He, Sun and Tang, "Guided Image
/// Filtering"; He and Sun, "Fast Guided Filter", 2015): in the (2r+1)^2 window around every cell, chroma p is
/// modelled as A * L + B with A = cov(L, p) / (var(L) + eps) and B = mean(p) - A * mean(L). At full resolution a
/// pixel's chroma is rebuilt from A, B (or A and the grid itself, <see cref="GuidedForm.Residual"/>) bilinearly
/// upsampled and the pixel's own L*, so chroma follows full-resolution edges of L* instead of bleeding over them.
/// </summary>
public sealed class GuidedCoefficients
{
    /// <summary>Window radius on the grid (cells).</summary>
    public const int DefaultRadius = 1;

    /// <summary>Regularisation in (L*)^2: windows whose L* varies less than about sqrt(eps) get A near 0.</summary>
    public const float DefaultEps = 64f;

    private GuidedCoefficients(GuidedForm form, int w, int h, float[] sa, float[] sb, float[]? oa, float[]? ob)
    {
        Form = form; Width = w; Height = h; SlopeA = sa; SlopeB = sb; OffsetA = oa; OffsetB = ob;
    }

    public GuidedForm Form { get; }
    public int Width { get; }
    public int Height { get; }
    public float[] SlopeA { get; }
    public float[] SlopeB { get; }

    /// <summary>B of the standard form (null for the residual form).</summary>
    public float[]? OffsetA { get; }
    public float[]? OffsetB { get; }

    /// <summary>Fits the coefficients of chroma planes <paramref name="a"/>, <paramref name="b"/> against the guide <paramref name="l"/>.</summary>
    public static GuidedCoefficients Fit(float[] l, float[] a, float[] b, int w, int h, int radius = DefaultRadius,
        float eps = DefaultEps, GuidedForm form = GuidedForm.Residual)
    {
        int n = w * h;
        if (l.Length < n || a.Length < n || b.Length < n) throw new ArgumentException("planes are shorter than w * h");
        // Temporaries come from the pool: fresh multi-megabyte arrays cost page faults on every fit.
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] scratch = pool.Rent(n), meanL = pool.Rent(n), varL = pool.Rent(n), tmp = pool.Rent(n), meanP = pool.Rent(n);
        try
        {
            BoxFilter.Mean(l, meanL, w, h, radius, scratch);
            TensorPrimitives.Multiply(l.AsSpan(0, n), l.AsSpan(0, n), tmp.AsSpan(0, n));
            BoxFilter.Mean(tmp, varL, w, h, radius, scratch);
            // var = E[L^2] - E[L]^2 (clamped: float cancellation can make it slightly negative), + eps
            for (int i = 0; i < n; i++) varL[i] = MathF.Max(0f, varL[i] - meanL[i] * meanL[i]) + eps;

            var (slopeA, offsetA) = FitChannel(l, a, meanL, varL, tmp, meanP, w, h, radius, scratch, form);
            var (slopeB, offsetB) = FitChannel(l, b, meanL, varL, tmp, meanP, w, h, radius, scratch, form);
            return new GuidedCoefficients(form, w, h, slopeA, slopeB, offsetA, offsetB);
        }
        finally
        {
            foreach (var array in new[] { scratch, meanL, varL, tmp, meanP }) pool.Return(array);
        }
    }

    private static (float[], float[]?) FitChannel(float[] l, float[] p, float[] meanL, float[] varL, float[] tmp, float[] meanP,
        int w, int h, int radius, float[] scratch, GuidedForm form)
    {
        int n = w * h;
        var slope = new float[n];
        BoxFilter.Mean(p, meanP, w, h, radius, scratch);
        TensorPrimitives.Multiply(l.AsSpan(0, n), p.AsSpan(0, n), tmp.AsSpan(0, n));
        BoxFilter.Mean(tmp, tmp, w, h, radius, scratch);
        for (int i = 0; i < n; i++)
        {
            float s = (tmp[i] - meanL[i] * meanP[i]) / varL[i];
            slope[i] = s;
            meanP[i] -= s * meanL[i]; // offset B
        }
        if (form == GuidedForm.Residual) return (slope, null);
        var offset = new float[n];
        BoxFilter.Mean(slope, slope, w, h, radius, scratch);
        BoxFilter.Mean(meanP, offset, w, h, radius, scratch);
        return (slope, offset);
    }
}

/// <summary>
/// Full-resolution rows of guided chroma for one thread: the grid planes are stretched row by row
/// (<see cref="RowUpsampler"/>) and one fused vector loop per output row does the vertical lerps and the multiply-adds
/// with the row's own L*. Results are clamped to the Lab range. Not thread-safe: one per thread over shared taps.
/// </summary>
public sealed class GuidedSampler
{
    private readonly RowUpsampler _rows;
    private readonly GuidedForm _form;
    private readonly float _limit;

    /// <param name="a">The chroma grid a (used by the residual form).</param>
    /// <param name="guide">L* on the grid (used by the residual form).</param>
    public GuidedSampler(GuidedCoefficients coefficients, float[] a, float[] b, float[] guide, UpsampleTaps taps, float limit = 127f)
    {
        if (taps.Nearest) throw new ArgumentException("guided upsampling needs bilinear taps");
        _form = coefficients.Form;
        _limit = limit;
        _rows = _form == GuidedForm.Residual
            ? new RowUpsampler(taps, guide, coefficients.SlopeA, a, coefficients.SlopeB, b)
            : new RowUpsampler(taps, coefficients.SlopeA, coefficients.OffsetA!, coefficients.SlopeB, coefficients.OffsetB!);
    }

    /// <summary>Writes a and b of output row <paramref name="y"/> over the taps' columns, from that row's L*.</summary>
    public void SampleRow(int y, ReadOnlySpan<float> l, Span<float> a, Span<float> b)
    {
        int n = _rows.Taps.Columns;
        if (l.Length < n || a.Length < n || b.Length < n) throw new ArgumentException("rows are shorter than the columns");
        if (_form == GuidedForm.Residual)
        {
            var (g0, g1, fy) = _rows.Rows(0, y);
            var (sa0, sa1, _) = _rows.Rows(1, y);
            var (a0, a1, _) = _rows.Rows(2, y);
            var (sb0, sb1, _) = _rows.Rows(3, y);
            var (b0, b1, _) = _rows.Rows(4, y);
            Residual(l[..n], g0, g1, sa0, sa1, a0, a1, sb0, sb1, b0, b1, fy, _limit, a[..n], b[..n]);
        }
        else
        {
            var (sa0, sa1, fy) = _rows.Rows(0, y);
            var (oa0, oa1, _) = _rows.Rows(1, y);
            var (sb0, sb1, _) = _rows.Rows(2, y);
            var (ob0, ob1, _) = _rows.Rows(3, y);
            Standard(l[..n], sa0, sa1, oa0, oa1, fy, _limit, a[..n]);
            Standard(l[..n], sb0, sb1, ob0, ob1, fy, _limit, b[..n]);
        }
    }

    // a = lerp(a0, a1) + lerp(sa0, sa1) * (L - lerp(g0, g1)), clamped; the same for b.
    private static void Residual(ReadOnlySpan<float> l, ReadOnlySpan<float> g0, ReadOnlySpan<float> g1,
        ReadOnlySpan<float> sa0, ReadOnlySpan<float> sa1, ReadOnlySpan<float> a0, ReadOnlySpan<float> a1,
        ReadOnlySpan<float> sb0, ReadOnlySpan<float> sb1, ReadOnlySpan<float> b0, ReadOnlySpan<float> b1,
        float fy, float limit, Span<float> a, Span<float> b)
    {
        int n = l.Length, i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && n >= System.Numerics.Vector<float>.Count)
        {
            var vfy = new System.Numerics.Vector<float>(fy);
            var hi = new System.Numerics.Vector<float>(limit);
            var lo = -hi;
            int step = System.Numerics.Vector<float>.Count;
            for (; i <= n - step; i += step)
            {
                var vg0 = new System.Numerics.Vector<float>(g0[i..]);
                var d = new System.Numerics.Vector<float>(l[i..]) - (vg0 + vfy * (new System.Numerics.Vector<float>(g1[i..]) - vg0));
                var va0 = new System.Numerics.Vector<float>(a0[i..]);
                var vsa0 = new System.Numerics.Vector<float>(sa0[i..]);
                var va = va0 + vfy * (new System.Numerics.Vector<float>(a1[i..]) - va0)
                         + (vsa0 + vfy * (new System.Numerics.Vector<float>(sa1[i..]) - vsa0)) * d;
                var vb0 = new System.Numerics.Vector<float>(b0[i..]);
                var vsb0 = new System.Numerics.Vector<float>(sb0[i..]);
                var vb = vb0 + vfy * (new System.Numerics.Vector<float>(b1[i..]) - vb0)
                         + (vsb0 + vfy * (new System.Numerics.Vector<float>(sb1[i..]) - vsb0)) * d;
                System.Numerics.Vector.Min(System.Numerics.Vector.Max(va, lo), hi).CopyTo(a[i..]);
                System.Numerics.Vector.Min(System.Numerics.Vector.Max(vb, lo), hi).CopyTo(b[i..]);
            }
        }
        for (; i < n; i++)
        {
            float d = l[i] - (g0[i] + fy * (g1[i] - g0[i]));
            float va = a0[i] + fy * (a1[i] - a0[i]) + (sa0[i] + fy * (sa1[i] - sa0[i])) * d;
            float vb = b0[i] + fy * (b1[i] - b0[i]) + (sb0[i] + fy * (sb1[i] - sb0[i])) * d;
            a[i] = Math.Clamp(va, -limit, limit);
            b[i] = Math.Clamp(vb, -limit, limit);
        }
    }

    // q = lerp(s0, s1) * L + lerp(o0, o1), clamped.
    private static void Standard(ReadOnlySpan<float> l, ReadOnlySpan<float> s0, ReadOnlySpan<float> s1,
        ReadOnlySpan<float> o0, ReadOnlySpan<float> o1, float fy, float limit, Span<float> q)
    {
        for (int i = 0; i < l.Length; i++)
        {
            float v = (s0[i] + fy * (s1[i] - s0[i])) * l[i] + o0[i] + fy * (o1[i] - o0[i]);
            q[i] = Math.Clamp(v, -limit, limit);
        }
    }
}
