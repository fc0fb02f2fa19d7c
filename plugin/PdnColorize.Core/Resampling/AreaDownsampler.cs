namespace PdnColorize.Core.Resampling;

/// <summary>
/// Streams a plane row by row into a small target grid with the area filter, holding only the target
/// (and one resampled row) in memory: a 100 MP region shrinks to 256 x 256 without a full-resolution float plane.
/// </summary>
public sealed class AreaDownsampler
{
    private readonly AxisWeights _x, _y;
    private readonly float[] _grid, _row;
    private int _nextRow;

    public AreaDownsampler(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight)
    {
        _x = new AxisWeights(sourceWidth, targetWidth);
        _y = new AxisWeights(sourceHeight, targetHeight);
        _grid = new float[targetWidth * targetHeight];
        _row = new float[targetWidth];
    }

    public int TargetWidth => _x.TargetLength;
    public int TargetHeight => _y.TargetLength;

    /// <summary>Adds source row <paramref name="y"/>; rows must come in order 0, 1, 2, ...</summary>
    public void AddRow(int y, ReadOnlySpan<float> row)
    {
        if (y != _nextRow) throw new InvalidOperationException($"rows must be added in order: expected {_nextRow}, got {y}");
        _nextRow++;
        _x.Apply(row, _row);
        var terms = _y.TermsOf(y);
        for (int k = terms.Start.Value; k < terms.End.Value; k++)
        {
            var target = _grid.AsSpan(_y.Target[k] * TargetWidth, TargetWidth);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_row, _y.Weight[k], target, target);
        }
    }

    /// <summary>The finished grid (row-major, TargetWidth x TargetHeight) once every source row was added.</summary>
    public float[] Result()
    {
        if (_nextRow != _y.SourceLength)
            throw new InvalidOperationException($"{_nextRow} of {_y.SourceLength} rows were added");
        return _grid;
    }
}
