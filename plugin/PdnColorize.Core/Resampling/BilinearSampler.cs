namespace PdnColorize.Core.Resampling;

/// <summary>
/// Bilinear sampling of a small grid at the pixel centres of a larger region (or any region), one output row at
/// a time. Horizontal taps are precomputed once per region width; each row costs two row lerps per channel.
/// </summary>
public sealed class BilinearSampler
{
    private readonly int _gridW, _gridH, _outW, _outH;
    private readonly int[] _x0, _x1;
    private readonly float[] _fx;
    private readonly int[] _runStart; // output columns where the pair of grid neighbours (x0, x1) changes

    public BilinearSampler(int gridWidth, int gridHeight, int outputWidth, int outputHeight)
    {
        _gridW = gridWidth; _gridH = gridHeight; _outW = outputWidth; _outH = outputHeight;
        _x0 = new int[outputWidth]; _x1 = new int[outputWidth]; _fx = new float[outputWidth];
        for (int x = 0; x < outputWidth; x++)
        {
            var (i0, i1, f) = Tap(x, outputWidth, gridWidth);
            _x0[x] = i0; _x1[x] = i1; _fx[x] = f;
        }
        var runs = new List<int>();
        for (int x = 0; x < outputWidth; x++)
            if (x == 0 || _x0[x] != _x0[x - 1] || _x1[x] != _x1[x - 1]) runs.Add(x);
        runs.Add(outputWidth);
        _runStart = runs.ToArray();
    }

    /// <summary>Centre-aligned source position of output index i, as two neighbours and a fraction (edges clamp).</summary>
    internal static (int, int, float) Tap(int i, int outLength, int gridLength)
    {
        double u = (i + 0.5) * gridLength / outLength - 0.5;
        if (u <= 0) return (0, 0, 0f);
        if (u >= gridLength - 1) return (gridLength - 1, gridLength - 1, 0f);
        int i0 = (int)u;
        return (i0, i0 + 1, (float)(u - i0));
    }

    /// <summary>
    /// Writes grid values at output row <paramref name="y"/>, columns [x, x+dest.Length) of the output region.
    /// The two grid rows are blended once into <paramref name="scratch"/> (grid width), then each pixel is one lerp.
    /// </summary>
    public void SampleRow(ReadOnlySpan<float> grid, int y, int x, Span<float> dest, Span<float> scratch)
    {
        var (r0, r1, fy) = Tap(y, _outH, _gridH);
        var row = scratch[.._gridW];
        var row0 = grid.Slice(r0 * _gridW, _gridW);
        var row1 = grid.Slice(r1 * _gridW, _gridW);
        System.Numerics.Tensors.TensorPrimitives.Lerp(row0, row1, fy, row);
        // Within a run of columns between the same two grid cells, dest = v0 + fx * (v1 - v0): one vector op a run.
        int end = x + dest.Length;
        int run = Array.BinarySearch(_runStart, x);
        if (run < 0) run = ~run - 1;
        for (; run < _runStart.Length - 1 && _runStart[run] < end; run++)
        {
            int from = Math.Max(x, _runStart[run]), to = Math.Min(end, _runStart[run + 1]);
            float v0 = row[_x0[from]], v1 = row[_x1[from]];
            var d = dest.Slice(from - x, to - from);
            System.Numerics.Tensors.TensorPrimitives.Multiply(_fx.AsSpan(from, to - from), v1 - v0, d);
            System.Numerics.Tensors.TensorPrimitives.Add(d, v0, d);
        }
    }

    public int GridWidth => _gridW;
}
