using System.Numerics.Tensors;

namespace PdnColorize.Core.Resampling;

/// <summary>
/// Box means over small planes (model grids, tiles) with windows clipped at the borders and divided by the cells
/// they hold, so a constant stays constant up to the edge. Small radii (the guided filter's) add the 2r+1 shifted
/// rows with vector adds; larger ones (the harmonisation's low-pass) slide running sums, O(1) per cell whatever the
/// radius. Repeated three times it is a close Gaussian (<see cref="GaussianLike"/>).
/// </summary>
public static class BoxFilter
{
    /// <summary>Radii up to this add shifted rows directly; larger ones slide sums.</summary>
    private const int DirectRadius = 4;

    /// <summary>Sliding column sums are recomputed from scratch this often, so float rounding cannot pile up.</summary>
    private const int RefreshRows = 64;

    /// <summary>dst = mean of src over the (2r+1) x (2r+1) window clipped to the w x h plane. src and dst may be the same.</summary>
    /// <param name="scratch">At least w * h floats.</param>
    public static void Mean(ReadOnlySpan<float> src, Span<float> dst, int w, int h, int r, Span<float> scratch)
    {
        int n = w * h;
        if (src.Length < n || dst.Length < n) throw new ArgumentException("planes are shorter than w * h");
        if (scratch.Length < n) throw new ArgumentException("scratch needs w * h floats");
        if (r <= 0)
        {
            if (!src.Overlaps(dst)) src[..n].CopyTo(dst);
            return;
        }
        var rows = scratch[..n]; // horizontal means
        int rx = Math.Min(r, w - 1), ry = Math.Min(r, h - 1);
        for (int y = 0; y < h; y++) MeanAlongRow(src.Slice(y * w, w), rows.Slice(y * w, w), rx);
        if (ry == 0) { rows.CopyTo(dst); return; }
        if (ry <= DirectRadius) VerticalDirect(rows, dst, w, h, ry);
        else VerticalSliding(rows, dst, w, h, ry);
    }

    /// <summary>Clipped box mean of one line.</summary>
    private static void MeanAlongRow(ReadOnlySpan<float> s, Span<float> d, int r)
    {
        int w = s.Length;
        if (r == 0) { s.CopyTo(d); return; }
        int interior = w - 2 * r; // cells whose window is whole
        if (r <= DirectRadius && interior >= 16)
        {
            var mid = d.Slice(r, interior);
            TensorPrimitives.Add(s[..interior], s.Slice(1, interior), mid);
            for (int k = 2; k <= 2 * r; k++) TensorPrimitives.Add(mid, s.Slice(k, interior), mid);
            TensorPrimitives.Multiply(mid, 1f / (2 * r + 1), mid);
            for (int x = 0; x < r; x++) { d[x] = Clipped(s, x, r); d[w - 1 - x] = Clipped(s, w - 1 - x, r); }
            return;
        }
        double sum = 0;
        for (int x = 0; x <= r && x < w; x++) sum += s[x];
        float inner = 1f / (2 * r + 1);
        for (int x = 0; x < w; x++)
        {
            int lo = Math.Max(0, x - r), hi = Math.Min(w - 1, x + r);
            d[x] = hi - lo == 2 * r ? (float)sum * inner : (float)(sum / (hi - lo + 1));
            if (x + r + 1 < w) sum += s[x + r + 1];
            if (x - r >= 0) sum -= s[x - r];
        }
    }

    private static float Clipped(ReadOnlySpan<float> s, int x, int r)
    {
        int lo = Math.Max(0, x - r), hi = Math.Min(s.Length - 1, x + r);
        float sum = 0;
        for (int i = lo; i <= hi; i++) sum += s[i];
        return sum / (hi - lo + 1);
    }

    /// <summary>Each output row = the mean of its 2r+1 (clipped) input rows, added directly.</summary>
    private static void VerticalDirect(ReadOnlySpan<float> rows, Span<float> dst, int w, int h, int r)
    {
        for (int y = 0; y < h; y++)
        {
            int lo = Math.Max(0, y - r), hi = Math.Min(h - 1, y + r);
            var d = dst.Slice(y * w, w);
            TensorPrimitives.Add(rows.Slice(lo * w, w), rows.Slice((lo + 1) * w, w), d);
            for (int k = lo + 2; k <= hi; k++) TensorPrimitives.Add(d, rows.Slice(k * w, w), d);
            TensorPrimitives.Multiply(d, 1f / (hi - lo + 1), d);
        }
    }

    /// <summary>A sliding sum of rows (vector adds), recomputed every <see cref="RefreshRows"/> rows.</summary>
    private static void VerticalSliding(ReadOnlySpan<float> rows, Span<float> dst, int w, int h, int r)
    {
        var column = System.Buffers.ArrayPool<float>.Shared.Rent(w);
        try
        {
            var c = column.AsSpan(0, w);
            for (int y = 0; y < h; y++)
            {
                int lo = Math.Max(0, y - r), hi = Math.Min(h - 1, y + r);
                if (y % RefreshRows == 0)
                {
                    c.Clear();
                    for (int k = lo; k <= hi; k++) TensorPrimitives.Add(c, rows.Slice(k * w, w), c);
                }
                TensorPrimitives.Multiply(c, 1f / (hi - lo + 1), dst.Slice(y * w, w));
                // slide to the window of y + 1
                if (y + r + 1 < h) TensorPrimitives.Add(c, rows.Slice((y + r + 1) * w, w), c);
                if (y - r >= 0) TensorPrimitives.Subtract(c, rows.Slice((y - r) * w, w), c);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(column);
        }
    }

    /// <summary>Three box passes whose variance matches a Gaussian of <paramref name="sigma"/> cells, in place.</summary>
    public static void GaussianLike(Span<float> plane, int w, int h, double sigma, Span<float> scratch)
    {
        int r = RadiusFor(sigma);
        for (int pass = 0; pass < 3; pass++) Mean(plane, plane, w, h, r, scratch);
    }

    /// <summary>Box radius r such that three passes of width 2r+1 have about the variance sigma^2.</summary>
    public static int RadiusFor(double sigma)
    {
        if (!(sigma > 0)) return 0;
        // One box of width W has variance (W^2 - 1) / 12; three have (W^2 - 1) / 4.
        double width = Math.Sqrt(4 * sigma * sigma + 1);
        return Math.Max(1, (int)Math.Round((width - 1) / 2));
    }
}
