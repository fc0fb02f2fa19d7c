namespace PdnColorize.Core.Detail;

/// <summary>
/// Tiles of one axis: <see cref="Count"/> windows of <see cref="Extent"/> cells over a line of <see cref="Length"/>
/// cells, spread evenly with neighbours overlapping by at least the asked overlap, and blend weights that form a
/// partition of unity. Pure arithmetic, no per-tile arrays, so a line of a trillion cells costs nothing.
/// </summary>
/// <remarks>
/// Tile i covers [Start(i), Start(i) + Extent). Tiles 0 and Count-1 touch the ends. Between tiles i and i+1 a
/// raised-cosine ramp of <see cref="RampAfter"/>(i) cells sits in the middle of their overlap: tile i+1 fades in as
/// r(t) = (1 - cos(pi t)) / 2 while tile i fades out as 1 - r(t). Ramps of different pairs never meet, so at every
/// cell at most two tiles have weight and their weights add to one; outside ramps one tile has weight 1.
/// The steps between starts differ by at most one cell and every pair has the same ramp, as long as the overlaps allow
/// (two tiles: their whole overlap; more: at most the smallest step - 1, so ramps of different pairs never meet).
/// </remarks>
public sealed class AxisTiling
{
    private readonly long _span; // Length - Extent, spread over Count - 1 steps

    /// <summary>Tiles spread evenly, as few as the asked overlap allows.</summary>
    public AxisTiling(long length, int tile, int overlap)
    {
        Validate(length, tile, overlap);
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
    }

    /// <summary>Cells on the axis.</summary>
    public long Length { get; }

    /// <summary>Cells in each tile (the whole axis when it is shorter than a tile).</summary>
    public int Extent { get; }

    public int Count { get; }

    /// <summary>The overlap asked for; the real overlap of every pair is at least this.</summary>
    public int AskedOverlap { get; }

    /// <summary>The hand-over ramp of every pair (0 when there is one tile).</summary>
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

    /// <summary>Cells over which tile i hands over to tile i+1.</summary>
    public int RampAfter(int i)
    {
        if ((uint)i >= (uint)(Count - 1)) throw new ArgumentOutOfRangeException(nameof(i));
        return Ramp;
    }

    /// <summary>First cell of the ramp between tiles i and i+1 (centred in their overlap).</summary>
    public long RampStart(int i) => Start(i + 1) + (OverlapAfter(i) - RampAfter(i)) / 2;

    /// <summary>The tiles that hold cell x: a range of one or two tile indices (more only where weights are 0).</summary>
    public (int First, int Last) TilesAt(long x)
    {
        if (x < 0 || x >= Length) throw new ArgumentOutOfRangeException(nameof(x));
        if (Count == 1) return (0, 0);
        // last = the last tile starting at or before x (starts increase): binary search.
        int lo = 0, hi = Count - 1;
        while (lo < hi)
        {
            int mid = (int)(((long)lo + hi + 1) / 2);
            if (Start(mid) <= x) lo = mid; else hi = mid - 1;
        }
        int last = lo, first = lo;
        while (first > 0 && End(first - 1) > x) first--;
        return (first, last);
    }

    /// <summary>Blend weight of tile i at cell x (0 outside the tile).</summary>
    public float Weight(int i, long x)
    {
        if (x < Start(i) || x >= End(i)) return 0f;
        if (i > 0)
        {
            long r0 = RampStart(i - 1);
            int ramp = RampAfter(i - 1);
            if (x < r0) return 0f;
            if (x < r0 + ramp) return RampUp(x - r0, ramp);
        }
        if (i < Count - 1)
        {
            long r0 = RampStart(i);
            int ramp = RampAfter(i);
            if (x >= r0 + ramp) return 0f;
            if (x >= r0) return 1f - RampUp(x - r0, ramp);
        }
        return 1f;
    }

    /// <summary>Weights of tile i over its own cells, written to <paramref name="weights"/> (length Extent).</summary>
    public void Weights(int i, Span<float> weights)
    {
        long s = Start(i);
        for (int k = 0; k < Extent; k++) weights[k] = Weight(i, s + k);
    }

    /// <summary>Raised cosine at the centre of ramp cell k: (1 - cos(pi (k + 0.5) / ramp)) / 2.</summary>
    private static float RampUp(long k, int ramp) => (float)(0.5 - 0.5 * Math.Cos(Math.PI * (k + 0.5) / ramp));

    private static void Validate(long length, int tile, int overlap)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), $"an axis needs at least one cell; got {length}");
        if (tile <= 0) throw new ArgumentOutOfRangeException(nameof(tile), $"a tile needs at least one cell; got {tile}");
        if (overlap < 0 || overlap >= tile) throw new ArgumentOutOfRangeException(nameof(overlap), $"overlap must lie in 0..{tile - 1}; got {overlap}");
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
