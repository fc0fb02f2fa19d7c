using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Detail;

/// <summary>
/// Ties one tile's chroma to the global pass over the same cells (docs/architecture.md, step 5), in place.
/// <list type="bullet">
/// <item><see cref="FrequencySplit"/>: tile + lowpass(global - tile). Where the tile and the global pass agree at
/// low frequency nothing changes; where the tile tells another colour story (a sky gray in one tile, blue in the
/// next) its low frequencies are replaced by the global ones; its fine detail is kept.</item>
/// <item><see cref="AffineFit"/>: (a, b) -> M (a, b) + t, one 2x2 matrix and offset per tile, least squares to the
/// global pass with a ridge toward the identity. It fixes a tile-wide cast but not a colour that is wrong in one part
/// of the tile only.</item>
/// </list>
/// </summary>
public static class Harmonizer
{
    /// <param name="a">Tile chroma a (w x h), replaced by the harmonised chroma.</param>
    /// <param name="ga">Global chroma a over the same cells.</param>
    /// <param name="sigma">Low-pass width in cells.</param>
    /// <param name="scratch">Scratch of at least 2 * w * h floats.</param>
    public static void FrequencySplit(Span<float> a, Span<float> b, ReadOnlySpan<float> ga, ReadOnlySpan<float> gb,
        int w, int h, double sigma, Span<float> scratch)
    {
        int n = w * h;
        var diff = scratch[..n];
        var blur = scratch.Slice(n, n);
        Split(a[..n], ga[..n], diff, blur, w, h, sigma);
        Split(b[..n], gb[..n], diff, blur, w, h, sigma);
    }

    private static void Split(Span<float> p, ReadOnlySpan<float> g, Span<float> diff, Span<float> blur, int w, int h, double sigma)
    {
        System.Numerics.Tensors.TensorPrimitives.Subtract(g, p, diff);
        BoxFilter.GaussianLike(diff, w, h, sigma, blur);
        System.Numerics.Tensors.TensorPrimitives.Add(p, diff, p);
    }

    /// <summary>The per-tile affine map fitted to the global pass, applied in place; returns (M, t) for tests.</summary>
    public static (double[] M, double[] T) AffineFit(Span<float> a, Span<float> b, ReadOnlySpan<float> ga, ReadOnlySpan<float> gb,
        int n, double ridge)
    {
        double sa = 0, sb = 0, sga = 0, sgb = 0;
        for (int i = 0; i < n; i++) { sa += a[i]; sb += b[i]; sga += ga[i]; sgb += gb[i]; }
        double ma = sa / n, mb = sb / n, mga = sga / n, mgb = sgb / n;
        double caa = 0, cab = 0, cbb = 0, caGa = 0, cbGa = 0, caGb = 0, cbGb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb, dga = ga[i] - mga, dgb = gb[i] - mgb;
            caa += da * da; cab += da * db; cbb += db * db;
            caGa += da * dga; cbGa += db * dga; caGb += da * dgb; cbGb += db * dgb;
        }
        caa /= n; cab /= n; cbb /= n; caGa /= n; cbGa /= n; caGb /= n; cbGb /= n;
        // [caa+r cab; cab cbb+r] [m1 m2]^T = [c.G + r e]: rows of M for the a and b outputs.
        double p = caa + ridge, q = cab, s = cbb + ridge;
        double det = p * s - q * q;
        double[] m;
        if (Math.Abs(det) < 1e-12) m = [1, 0, 0, 1];
        else
        {
            double ra1 = caGa + ridge, ra2 = cbGa, rb1 = caGb, rb2 = cbGb + ridge;
            m =
            [
                (s * ra1 - q * ra2) / det, (p * ra2 - q * ra1) / det,
                (s * rb1 - q * rb2) / det, (p * rb2 - q * rb1) / det,
            ];
        }
        double[] t = [mga - m[0] * ma - m[1] * mb, mgb - m[2] * ma - m[3] * mb];
        float m0 = (float)m[0], m1 = (float)m[1], m2 = (float)m[2], m3 = (float)m[3], t0 = (float)t[0], t1 = (float)t[1];
        for (int i = 0; i < n; i++)
        {
            float x = a[i], y = b[i];
            a[i] = m0 * x + m1 * y + t0;
            b[i] = m2 * x + m3 * y + t1;
        }
        return (m, t);
    }
}
