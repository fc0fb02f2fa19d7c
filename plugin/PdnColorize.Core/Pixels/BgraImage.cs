namespace PdnColorize.Core.Pixels;

/// <summary>
/// A 32-bit BGRA image (8 bits a channel, straight alpha as Paint.NET's ColorBgra32) over memory it may not own,
/// addressed by rows of <see cref="Stride"/> bytes. Hosts wrap their own buffers; the CLI wraps decoded files.
/// </summary>
public sealed class BgraImage
{
    public BgraImage(int width, int height)
        : this(new byte[checked((long)width * height * 4)], width, height, width * 4) { }

    public BgraImage(Memory<byte> pixels, int width, int height, int stride)
    {
        if (ImageLimits.Check(width, height) is { } problem) throw new ArgumentException(problem);
        if (stride < width * 4) throw new ArgumentException($"stride {stride} is less than width*4 = {width * 4}");
        if (pixels.Length < (long)stride * (height - 1) + width * 4)
            throw new ArgumentException($"{pixels.Length} bytes cannot hold {height} rows of stride {stride}");
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
    }

    public Memory<byte> Pixels { get; }
    public int Width { get; }
    public int Height { get; }
    public int Stride { get; }
    public PixelRect Bounds => new(0, 0, Width, Height);

    public Span<byte> Row(int y) => Pixels.Span.Slice(y * Stride, Width * 4);

    /// <summary>The bytes of pixels [x, x+count) of row y.</summary>
    public Span<byte> Row(int y, int x, int count) => Pixels.Span.Slice(y * Stride + x * 4, count * 4);

    public BgraImage Clone()
    {
        var copy = new BgraImage(Width, Height);
        for (int y = 0; y < Height; y++) Row(y).CopyTo(copy.Row(y));
        return copy;
    }

    /// <summary>True when both images share the same pixel memory (in-place work).</summary>
    public bool SharesMemoryWith(BgraImage other) =>
        Pixels.Span.Overlaps(other.Pixels.Span);
}
