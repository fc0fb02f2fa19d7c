namespace PdnColorize.Core.Detail;

/// <summary>
/// Tiles of one axis: <see cref="Count"/> windows of <see cref="Extent"/> cells spread evenly over a line of
/// <see cref="Length"/> cells, neighbours overlapping by at least the asked overlap, and blend weights that form a
/// partition of unity. Everything is arithmetic (no per-cell arrays), so a line of a billion cells costs nothing.
/// </summary>
/// <remarks>
/// Tile i covers [Start(i), Start(i) + Extent). Tiles 0 and Count-1 touch the ends; the steps between starts differ
/// by at most one cell. Between tiles i and i+1 a raised-cosine ramp of <see cref="Ramp"/> cells sits in the middle
/// of their overlap (at most <c>maxRamp</c> cells: the asked overlap, by default): tile i+1 fades in as
/// r(t) = (1 - cos(pi t)) / 2 while tile i fades out as 1 - r(t). Ramps of
/// different pairs never meet (Ramp &lt;= the smallest step - 1), so at every cell at most two tiles have weight and
/// their weights add to one; outside ramps one tile has weight 1.
/// </remarks>
public sealed class AxisTiling
{
    private readonly long _span; // Length - Extent, spread over Count - 1 steps

    /// <param name="maxRamp">The longest hand-over ramp; null = as long as the overlaps allow.</param>
    public AxisTiling(long length, int tile, int overlap, int? maxRamp = null)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), $"an axis needs at least one cell; got {length}");
        if (tile <= 0) throw new ArgumentOutOfRangeException(nameof(tile), $"a tile needs at least one cell; got {tile}");
        if (overlap < 0 || overlap >= tile) throw new ArgumentOutOfRangeException(nameof(overlap), $"overlap must lie in 0..{tile - 1}; got {overlap}");
        Length = length;
        AskedOverlap = overlap;
        if (length <= tile)
        {
            Extent = (int)length;
            Count = 1;
            _span = 0;
            Ramp = 0;
            return;
        }
        Extent = tile;
        // Fewest tiles whose steps are at most tile - overlap: (Count - 1) * (tile - overlap) >= length - tile.
        long count = 1 + CeilDiv(length - tile, tile - overlap);
        if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), $"{length} cells need more than {int.MaxValue} tiles");
        Count = (int)count;
        _span = length - tile;
        long minStep = _span / (Count - 1);               // steps are floor or ceil of span / (Count - 1)
        long minOverlap = tile - CeilDiv(_span, Count - 1);
        Ramp = Count == 2 ? (int)minOverlap : (int)Math.Max(0, Math.Min(minOverlap, minStep - 1));
        if (maxRamp is { } cap) Ramp = Math.Min(Ramp, Math.Max(1, cap));
    }

    /// <summary>Cells on the axis.</summary>
    public long Length { get; }

    /// <summary>Cells in each tile (the whole axis when it is shorter than a tile).</summary>
    public int Extent { get; }

    public int Count { get; }

    /// <summary>The overlap asked for; the real overlap of every pair is at least this.</summary>
    public int AskedOverlap { get; }

    /// <summary>Cells over which one tile hands over to the next (0 when there is one tile).</summary>
    public int Ramp { get; }

    /// <summary>First cell of tile i: round(i * (Length - Extent) / (Count - 1)).</summary>
    public long Start(int i)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
        if (Count == 1) return 0;
        long d = Count - 1;
        return (long)(((Int128)2 * i * _span + d) / (2 * d)); // rounded, exact for any length
    }

    public long End(int i) => Start(i) + Extent;

    /// <summary>Cells tiles i and i+1 share.</summary>
    public long OverlapAfter(int i) => End(i) - Start(i + 1);

    /// <summary>First cell of the ramp between tiles i and i+1 (centred in their overlap).</summary>
    public long RampStart(int i) => Start(i + 1) + (OverlapAfter(i) - Ramp) / 2;

    /// <summary>The tiles that hold cell x: a range of one or two tile indices (more only where weights are 0).</summary>
    public (int First, int Last) TilesAt(long x)
    {
        if (x < 0 || x >= Length) throw new ArgumentOutOfRangeException(nameof(x));
        if (Count == 1) return (0, 0);
        // Start(i) <= x for i <= guess; scan a few neighbours to be exact (steps differ by at most one cell).
        long d = Count - 1;
        int guess = (int)Math.Min(d, (double)x * d / Math.Max(1, _span));
        int first = guess;
        while (first > 0 && Start(first) > x) first--;
        while (first > 0 && End(first - 1) > x) first--;
        while (first < Count - 1 && End(first) <= x) first++;
        int last = first;
        while (last < Count - 1 && Start(last + 1) <= x) last++;
        return (first, last);
    }

    /// <summary>Blend weight of tile i at cell x (0 outside the tile).</summary>
    public float Weight(int i, long x)
    {
        if (x < Start(i) || x >= End(i)) return 0f;
        if (i > 0)
        {
            long r0 = RampStart(i - 1);
            if (x < r0) return 0f;
            if (x < r0 + Ramp) return RampUp(x - r0);
        }
        if (i < Count - 1)
        {
            long r0 = RampStart(i);
            if (x >= r0 + Ramp) return 0f;
            if (x >= r0) return 1f - RampUp(x - r0);
        }
        return 1f;
    }

    /// <summary>Weights of tile i over its own cells, written to <paramref name="weights"/> (length Extent).</summary>
    public void Weights(int i, Span<float> weights)
    {
        long s = Start(i);
        for (int k = 0; k < Extent; k++) weights[k] = Weight(i, s + k);
    }

    /// <summary>Raised cosine at the centre of ramp cell k: (1 - cos(pi (k + 0.5) / Ramp)) / 2.</summary>
    private float RampUp(long k) => (float)(0.5 - 0.5 * Math.Cos(Math.PI * (k + 0.5) / Ramp));

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
