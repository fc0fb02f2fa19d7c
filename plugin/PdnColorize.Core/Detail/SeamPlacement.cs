namespace PdnColorize.Core.Detail;

/// <summary>Where the detail pass puts its tiles along each axis.</summary>
public enum TilePlacement
{
    /// <summary>Spread evenly (pure arithmetic; what the planner gives).</summary>
    Even,

    /// <summary>Each internal tile edge moved, within the slack, away from the 8-px JPEG block lattice of the image
    /// (<see cref="SeamPlacement.JpegGridCost"/>).</summary>
    OffJpegGrid,

    /// <summary>Each internal tile edge moved, within the slack, to the line where the detail grid's L* has least
    /// structure: the model sees objects whole rather than cut at its input edge, where it has least context.</summary>
    LeastStructure,

    /// <summary>Each overlap moved, within the slack, to where the detail grid's L* has least structure under the
    /// hand-over (|grad L*| weighted by w (1 - w) of the ramp): tiles hand over where there is little to disagree on.</summary>
    QuietOverlaps,

    /// <summary>A control for measurements, not for use: every edge moved at random within the slack (seeded by
    /// <see cref="DetailTuning.PlacementSeed"/>), so that what content alone does to a measure when the lines move can
    /// be told from what a placement does.</summary>
    Jittered,
}

/// <summary>
/// Moves the tiles of an evenly spread <see cref="AxisTiling"/> to better places: every internal tile may start
/// anywhere within <c>slack</c> cells of its even start, and all tiles may shrink by up to <c>extentSlack</c> cells
/// (which moves the two edges pinned by the axis ends: tile 0's end and the last tile's start). The layout that
/// minimises the summed cost of the lines its internal edges fall on is found exactly, by dynamic programming along
/// the axis for each extent. The tile count stays; the constraints keep the invariants of
/// <see cref="AxisTiling.FromStarts"/> (every pair overlaps by at least the asked overlap, no cell in three tiles),
/// so the blend weights remain a partition of unity.
/// </summary>
public static class SeamPlacement
{
    /// <summary>
    /// The placed tiling, or <paramref name="even"/> itself when nothing can move (one tile, no slack) or no layout
    /// within the slack meets the placed layout's rules (the even one has a cell in three tiles).
    /// </summary>
    /// <param name="lineCost">Cost of a tile edge on the boundary before cell c (c in 1..Length-1).</param>
    /// <param name="extentSlack">How many cells the tiles may shrink (the model input keeps its size: the cut cells are
    /// filled by repeating the edge, as for tiles narrower than the input).</param>
    /// <param name="pairCost">Cost of a hand-over across the overlap [from, to) of two neighbours; null = none.</param>
    public static AxisTiling Place(AxisTiling even, Func<long, double> lineCost, int slack, int extentSlack = 0,
        Func<long, long, double>? pairCost = null)
    {
        int n = even.Count;
        if (n < 2 || (slack <= 0 && extentSlack <= 0) || (n == 2 && extentSlack <= 0)) return even;
        long[]? best = null;
        int bestExtent = 0;
        double bestCost = double.PositiveInfinity;
        for (int extent = even.Extent; extent >= Math.Max(even.AskedOverlap + 1, even.Extent - extentSlack); extent--)
        {
            if (Layout(even, extent, lineCost, pairCost, slack) is not { } layout) continue;
            // A hair per cell shrunk: among equal costs the tiles keep the most context.
            double cost = layout.Cost + lineCost(extent) + lineCost(even.Length - extent) + 1e-6 * (even.Extent - extent);
            if (cost < bestCost) { bestCost = cost; best = layout.Starts; bestExtent = extent; }
        }
        return best is null ? even : AxisTiling.FromStarts(even.Length, bestExtent, even.AskedOverlap, best, even.MaxRamp);
    }

    /// <summary>The cheapest starts of <paramref name="n"/> tiles of <paramref name="extent"/> cells, or null.</summary>
    private static (long[] Starts, double Cost)? Layout(AxisTiling even, int extent, Func<long, double> lineCost,
        Func<long, long, double>? pairCost, int slack)
    {
        int n = even.Count;
        long length = even.Length, last = length - extent;
        long maxStep = extent - even.AskedOverlap;
        // Steps of at least half a tile keep tile i+2 clear of tile i: chain constraints only, so the DP is exact.
        long minStep = n >= 3 ? (extent + 1) / 2 : 1;
        // Candidates of tile i: [lo[i], lo[i] + width[i]) around its evenly spread place for this extent.
        var centre = new long[n];
        var lo = new long[n];
        var width = new int[n];
        for (int i = 0; i < n; i++)
        {
            centre[i] = (long)(((Int128)2 * i * last + (n - 1)) / (2 * (n - 1)));
            if (i == 0 || i == n - 1) { lo[i] = centre[i]; width[i] = 1; continue; }
            lo[i] = Math.Max(1, centre[i] - slack);
            width[i] = (int)Math.Max(0, Math.Min(last - 1, centre[i] + slack) - lo[i] + 1);
        }

        // cost[i][k]: best total for tiles 0..i with tile i at lo[i] + k; from[i][k]: the choice for tile i-1.
        var cost = new double[n][];
        var from = new int[n][];
        cost[0] = [0];
        from[0] = [0];
        for (int i = 1; i < n; i++)
        {
            cost[i] = new double[width[i]];
            from[i] = new int[width[i]];
            for (int k = 0; k < width[i]; k++)
            {
                long s = lo[i] + k;
                double own = i == n - 1 ? 0 : lineCost(s) + lineCost(s + extent);
                // A hair per cell moved: among equal costs the tile stays nearest its even place.
                own += 1e-9 * Math.Abs(s - centre[i]);
                double best = double.PositiveInfinity;
                int arg = -1;
                for (int j = 0; j < width[i - 1]; j++)
                {
                    long previous = lo[i - 1] + j, step = s - previous;
                    if (step < minStep || step > maxStep) continue;
                    double c = cost[i - 1][j] + (pairCost?.Invoke(s, previous + extent) ?? 0);
                    if (c < best) { best = c; arg = j; }
                }
                cost[i][k] = best + own;
                from[i][k] = arg;
            }
        }
        if (width[n - 1] == 0 || double.IsPositiveInfinity(cost[n - 1][0])) return null;

        var starts = new long[n];
        int pick = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            starts[i] = lo[i] + pick;
            pick = from[i][pick];
        }
        return (starts, cost[n - 1][0]);
    }

    /// <summary>The plan with both axes placed by <paramref name="placement"/>; the tile count and sizes stay.</summary>
    /// <param name="lightness">L* of the region on the plan's detail grid (for <see cref="TilePlacement.LeastStructure"/>).</param>
    /// <param name="slackShare">How far a tile may move, as a share of the tile's extent.</param>
    /// <param name="seed">For <see cref="TilePlacement.Jittered"/>.</param>
    public static DetailPlan Apply(DetailPlan plan, TilePlacement placement, ReadOnlySpan<float> lightness, double slackShare,
        int seed = 0)
    {
        if (placement == TilePlacement.Even) return plan;
        int slackX = (int)(slackShare * plan.X.Extent), slackY = (int)(slackShare * plan.Y.Extent);
        // Tile 0's end and the last tile's start can only move with the extent, so off the lattice tiles may shrink.
        int shrinkX = JpegShrink(plan.Region.Width, plan.GridWidth, plan.X), shrinkY = JpegShrink(plan.Region.Height, plan.GridHeight, plan.Y);
        switch (placement)
        {
            case TilePlacement.OffJpegGrid:
            {
                var x = Place(plan.X, JpegGridCost(plan.Region.X, plan.Region.Width, plan.GridWidth), slackX, shrinkX);
                var y = Place(plan.Y, JpegGridCost(plan.Region.Y, plan.Region.Height, plan.GridHeight), slackY, shrinkY);
                return plan with { X = x, Y = y };
            }
            case TilePlacement.LeastStructure:
            {
                if (lightness.Length != plan.GridCells)
                    throw new ArgumentException($"lightness holds {lightness.Length} cells; the grid has {plan.GridCells}");
                var structure = LightnessStructure.Of(lightness, plan.GridWidth, plan.GridHeight);
                var x = Place(plan.X, c => structure.ColumnLine(c), slackX);
                var y = Place(plan.Y, c => structure.RowLine(c), slackY);
                return plan with { X = x, Y = y };
            }
            case TilePlacement.QuietOverlaps:
            {
                if (lightness.Length != plan.GridCells)
                    throw new ArgumentException($"lightness holds {lightness.Length} cells; the grid has {plan.GridCells}");
                var structure = LightnessStructure.Of(lightness, plan.GridWidth, plan.GridHeight);
                var x = Place(plan.X, _ => 0, slackX, pairCost: structure.ColumnHandOver);
                var y = Place(plan.Y, _ => 0, slackY, pairCost: structure.RowHandOver);
                return plan with { X = x, Y = y };
            }
            case TilePlacement.Jittered:
            {
                var x = Place(plan.X, c => Noise(seed, c), slackX);
                var y = Place(plan.Y, c => Noise(seed + 1, c), slackY);
                return plan with { X = x, Y = y };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(placement), placement, null);
        }
    }

    /// <summary>A reproducible random cost in [0, 1) per line (a hash of seed and cell).</summary>
    private static double Noise(int seed, long c)
    {
        ulong z = (ulong)c * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) / 18446744073709551616.0;
    }

    /// <summary>
    /// Cells a tile may shrink by to move its pinned edges off the lattice: one block (8 px) plus one cell reaches any
    /// place within a block; at most an eighth of the tile.
    /// </summary>
    private static int JpegShrink(int pixels, int cells, AxisTiling axis) =>
        (int)Math.Min(axis.Extent / 8, Math.Ceiling(8.0 * cells / pixels) + 1);

    /// <summary>
    /// Cost of a tile edge by where it lands in the image's 8-px JPEG block lattice: max(0, 3 - distance in px to the
    /// nearest block edge). Block edges carry compression steps (in L*, which the guided upsampling follows); a line
    /// within 3 px of one (the seam score's 2-px band plus the 1-px reach of a forward difference) collects that
    /// gradient though no tile made it. Not every edge can be 3 px off: a tile's two edges are Extent cells apart and
    /// tile 0's end is pinned at Extent, so the placement minimises the sum.
    /// </summary>
    /// <param name="origin">Image pixel of grid cell 0.</param>
    /// <param name="pixels">Image pixels the grid covers on this axis.</param>
    /// <param name="cells">Grid cells on this axis.</param>
    public static Func<long, double> JpegGridCost(int origin, int pixels, int cells) => c =>
    {
        const double block = 8, reach = 3;
        double p = origin + (double)c * pixels / cells;
        double m = p - block * Math.Floor(p / block);
        return Math.Max(0, reach - Math.Min(m, block - m));
    };
}

/// <summary>
/// How much L* structure lies along each grid line of the detail grid: per cell |grad L*| (forward differences), summed
/// along each column and row, then over a band of <see cref="Band"/> cells on each side of a boundary (the model's
/// context runs out over more than one cell at its input edge).
/// </summary>
public sealed class LightnessStructure
{
    public const int Band = 4;
    private readonly double[] _columns, _rows; // prefix sums over columns / rows of the per-line totals
    private readonly double[] _columnTotals, _rowTotals;

    private LightnessStructure(double[] columns, double[] rows)
    {
        _columnTotals = columns;
        _rowTotals = rows;
        _columns = Prefix(columns);
        _rows = Prefix(rows);
    }

    public static LightnessStructure Of(ReadOnlySpan<float> l, int w, int h)
    {
        var col = new double[w];
        var row = new double[h];
        for (int y = 0; y < h; y++)
        {
            int o = y * w;
            for (int x = 0; x < w; x++)
            {
                float dx = x + 1 < w ? l[o + x + 1] - l[o + x] : 0f;
                float dy = y + 1 < h ? l[o + w + x] - l[o + x] : 0f;
                double g = Math.Sqrt(dx * dx + dy * dy);
                col[x] += g;
                row[y] += g;
            }
        }
        return new LightnessStructure(col, row);
    }

    /// <summary>Structure around the boundary before column c: the columns c - Band .. c + Band - 1.</summary>
    public double ColumnLine(long c) => Window(_columns, c);

    /// <summary>Structure around the boundary before row c.</summary>
    public double RowLine(long c) => Window(_rows, c);

    /// <summary>
    /// Structure under a hand-over across columns [from, to): the mean of the columns' totals weighted by w (1 - w) of
    /// the raised-cosine ramp there (most where both tiles weigh half). A mean, not a sum: a sum would favour the
    /// shortest overlaps, whose steeper ramps show a disagreement more.
    /// </summary>
    public double ColumnHandOver(long from, long to) => HandOver(_columnTotals, from, to);

    public double RowHandOver(long from, long to) => HandOver(_rowTotals, from, to);

    private static double HandOver(double[] totals, long from, long to)
    {
        long n = to - from;
        double sum = 0, weights = 0;
        for (long k = 0; k < n; k++)
        {
            double r = 0.5 - 0.5 * Math.Cos(Math.PI * (k + 0.5) / n);
            sum += totals[from + k] * r * (1 - r);
            weights += r * (1 - r);
        }
        return weights > 0 ? sum / weights : 0;
    }

    private static double Window(double[] prefix, long c)
    {
        long n = prefix.Length - 1;
        long a = Math.Clamp(c - Band, 0, n), b = Math.Clamp(c + Band, 0, n);
        return prefix[b] - prefix[a];
    }

    private static double[] Prefix(double[] v)
    {
        var p = new double[v.Length + 1];
        for (int i = 0; i < v.Length; i++) p[i + 1] = p[i] + v[i];
        return p;
    }
}
