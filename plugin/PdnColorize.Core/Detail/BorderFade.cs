using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Detail;

/// <summary>
/// Hands the fused chroma back to the global pass over the outermost cells of the region. There a tile's input simply
/// ends, and the model answers the convolutions' zero padding rather than picture: measured on the six shared photos,
/// fine mode's CIEDE2000 in the 4 px along the photo's border was up to 1.65 worse than the global pass's while the
/// interior was the same (docs/quality.md). Internal tile edges need nothing of the kind: a neighbour covers them.
/// </summary>
public static class BorderFade
{
    /// <summary>
    /// In place over a w x h grid: each cell becomes global + t * (fused - global), with t a raised cosine of the
    /// cell's distance to the nearest border, from near 0 on the outermost cell to 1 at <paramref name="cells"/> cells in.
    /// </summary>
    public static void Apply(Span<float> a, Span<float> b, ReadOnlySpan<float> globalA, ReadOnlySpan<float> globalB,
        int w, int h, int cells)
    {
        long n = (long)w * h;
        if (a.Length < n || b.Length < n || globalA.Length < n || globalB.Length < n)
            throw new ArgumentException("planes are shorter than w * h");
        if (cells <= 0 || n == 0) return;
        var ramp = new float[cells];
        for (int k = 0; k < cells; k++) ramp[k] = (float)(0.5 - 0.5 * Math.Cos(Math.PI * (k + 0.5) / cells));
        float Weight(int i, int length)
        {
            int d = Math.Min(i, length - 1 - i);
            return d < cells ? ramp[d] : 1f;
        }
        for (int y = 0; y < h; y++)
        {
            float wy = Weight(y, h);
            var spans = BorderSpans.OfRow(y, w, h, cells);
            Blend(spans.Start1, spans.End1, y, wy, a, b, globalA, globalB);
            Blend(spans.Start2, spans.End2, y, wy, a, b, globalA, globalB);
        }

        void Blend(int x0, int x1, int y, float wy, Span<float> a, Span<float> b, ReadOnlySpan<float> globalA, ReadOnlySpan<float> globalB)
        {
            for (int x = x0; x < x1; x++)
            {
                float t = Math.Min(wy, Weight(x, w));
                if (t >= 1f) continue;
                int i = y * w + x;
                a[i] = globalA[i] + t * (a[i] - globalA[i]);
                b[i] = globalB[i] + t * (b[i] - globalB[i]);
            }
        }
    }
}
