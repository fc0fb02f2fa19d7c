using PdnColorize.Core.Detail;

namespace PdnColorize.Quality;

/// <summary>
/// What a seam is made of, measured where it forms: the mean Euclidean |ab_A - ab_B| of two tiles (after
/// harmonisation) over every cell where both have blend weight, for every pair of tiles (side by side, one above the
/// other, or diagonal at the corners) that share such cells. 0 = the tiles agree and the blend cannot show a seam,
/// whatever the picture holds along the tile lines; unlike the seam score it does not depend on the content there.
/// </summary>
public sealed class OverlapDisagreement : ITileObserver
{
    private readonly Dictionary<(int, int), (float[] A, float[] B)> _tiles = [];
    private DetailPlan? _plan;

    public void Harmonised(DetailPlan plan, int tx, int ty, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (_plan is not null && !ReferenceEquals(_plan, plan)) throw new InvalidOperationException("one observer per detail pass");
        _plan = plan;
        _tiles[(tx, ty)] = (a.ToArray(), b.ToArray());
    }

    /// <summary>The mean over (pair, cell), the cells counted and the pairs; NaN when no two tiles share a weighted cell.</summary>
    public (double Mean, long Cells, int Pairs) Measure()
    {
        if (_plan is not { } plan) return (double.NaN, 0, 0);
        double sum = 0;
        long cells = 0;
        int pairs = 0;
        // Each unordered pair once: the neighbour to the right, below, below-right and below-left.
        (int Dx, int Dy)[] neighbours = [(1, 0), (0, 1), (1, 1), (-1, 1)];
        foreach (var ((tx, ty), p) in _tiles)
        foreach (var (dx, dy) in neighbours)
        {
            if (!_tiles.TryGetValue((tx + dx, ty + dy), out var q)) continue;
            var (s, n) = Pair(plan, tx, ty, p, tx + dx, ty + dy, q);
            if (n == 0) continue;
            sum += s;
            cells += n;
            pairs++;
        }
        return (cells == 0 ? double.NaN : sum / cells, cells, pairs);
    }

    private static (double Sum, long Cells) Pair(DetailPlan plan, int px, int py, (float[] A, float[] B) p,
        int qx, int qy, (float[] A, float[] B) q)
    {
        var tp = plan.Tile(px, py);
        var tq = plan.Tile(qx, qy);
        var shared = tp.Intersect(tq);
        double sum = 0;
        long cells = 0;
        for (int y = shared.Y; y < shared.Y + shared.Height; y++)
        {
            if (plan.Y.Weight(py, y) <= 0f || plan.Y.Weight(qy, y) <= 0f) continue;
            for (int x = shared.X; x < shared.X + shared.Width; x++)
            {
                if (plan.X.Weight(px, x) <= 0f || plan.X.Weight(qx, x) <= 0f) continue;
                int ip = (y - tp.Y) * tp.Width + (x - tp.X), iq = (y - tq.Y) * tq.Width + (x - tq.X);
                double da = p.A[ip] - q.A[iq], db = p.B[ip] - q.B[iq];
                sum += Math.Sqrt(da * da + db * db);
                cells++;
            }
        }
        return (sum, cells);
    }
}
