namespace PdnColorize.Core.Pixels;

/// <summary>
/// A selection as 8-bit coverage (255 = selected, 0 = not, between = feathered), stored for its
/// <see cref="Bounds"/> only; everything outside the bounds is unselected.
/// </summary>
public sealed class SelectionMask
{
    private readonly byte[] _coverage;

    public SelectionMask(PixelRect bounds, byte[] coverage)
    {
        if (bounds.IsEmpty) throw new ArgumentException("a selection needs a non-empty bounds");
        if (coverage.LongLength != bounds.Area)
            throw new ArgumentException($"coverage holds {coverage.Length} bytes; bounds {bounds} need {bounds.Area}");
        Bounds = bounds;
        _coverage = coverage;
    }

    public PixelRect Bounds { get; }

    /// <summary>A fully selected rectangle.</summary>
    public static SelectionMask Rectangle(PixelRect rect)
    {
        var cov = new byte[rect.Area];
        Array.Fill(cov, (byte)255);
        return new SelectionMask(rect, cov);
    }

    /// <summary>
    /// A mask given for a whole image (width*height bytes, row-major); the bounds shrink to the covered pixels.
    /// Returns null when nothing is covered.
    /// </summary>
    public static SelectionMask? FromFullImage(int width, int height, ReadOnlySpan<byte> coverage)
    {
        if (coverage.Length != (long)width * height)
            throw new ArgumentException($"a {width}x{height} mask needs {(long)width * height} bytes; got {coverage.Length}");
        int left = width, top = height, right = -1, bottom = -1;
        for (int y = 0; y < height; y++)
        {
            var row = coverage.Slice(y * width, width);
            int first = row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = row.LastIndexOfAnyExcept((byte)0);
            left = Math.Min(left, first); right = Math.Max(right, last);
            top = Math.Min(top, y); bottom = y;
        }
        if (right < 0) return null;
        var bounds = PixelRect.FromEdges(left, top, right + 1, bottom + 1);
        var cov = new byte[bounds.Area];
        for (int y = 0; y < bounds.Height; y++)
            coverage.Slice((bounds.Y + y) * width + bounds.X, bounds.Width).CopyTo(cov.AsSpan(y * bounds.Width, bounds.Width));
        return new SelectionMask(bounds, cov);
    }

    public byte Coverage(int x, int y) =>
        Bounds.Contains(x, y) ? _coverage[(long)(y - Bounds.Y) * Bounds.Width + (x - Bounds.X)] : (byte)0;

    /// <summary>Coverage of row y for pixels [Bounds.X, Bounds.Right); y must lie inside the bounds.</summary>
    public ReadOnlySpan<byte> Row(int y) => _coverage.AsSpan((y - Bounds.Y) * Bounds.Width, Bounds.Width);
}
