namespace PdnColorize.Core.Resampling;

/// <summary>
/// Nearest-cell sampling of a small grid over a larger region (what official DDColor does with its ab): each output
/// pixel takes the grid cell its centre falls in. Kept for comparisons; the pipeline default is guided.
/// </summary>
public sealed class NearestSampler
{
    private readonly int _gridW, _gridH, _outH;
    private readonly int[] _column;

    public NearestSampler(int gridWidth, int gridHeight, int outputWidth, int outputHeight)
    {
        _gridW = gridWidth; _gridH = gridHeight; _outH = outputHeight;
        _column = new int[outputWidth];
        for (int x = 0; x < outputWidth; x++) _column[x] = Cell(x, outputWidth, gridWidth);
    }

    /// <summary>The grid cell holding the centre of output index i.</summary>
    internal static int Cell(int i, int outLength, int gridLength) =>
        (int)Math.Min(gridLength - 1, (2L * i + 1) * gridLength / (2L * outLength));

    /// <summary>Grid values at output row y, columns [x, x + dest.Length).</summary>
    public void SampleRow(ReadOnlySpan<float> grid, int y, int x, Span<float> dest)
    {
        var row = grid.Slice(Cell(y, _outH, _gridH) * _gridW, _gridW);
        for (int i = 0; i < dest.Length; i++) dest[i] = row[_column[x + i]];
    }
}
