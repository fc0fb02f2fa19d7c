using System.Buffers;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>Memory over a host's locked pixel buffer (valid only while the host's lock is held).</summary>
public sealed unsafe class UnmanagedBuffer(byte* pointer, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(pointer, length);
    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);
    public override void Unpin() { }
    protected override void Dispose(bool disposing) { }

    /// <summary>A BGRA image over <paramref name="pixels"/>: rows of <paramref name="stride"/> bytes.</summary>
    public static BgraImage Image(void* pixels, int width, int height, int stride) =>
        new(new UnmanagedBuffer((byte*)pixels, Length(width * 4, height, stride)).Memory, width, height, stride);

    /// <summary>The bytes of <paramref name="height"/> rows of <paramref name="rowBytes"/>, <paramref name="stride"/> apart.</summary>
    public static int Length(int rowBytes, int height, int stride) => checked(stride * (height - 1) + rowBytes);
}

/// <summary>A locked region of host pixels and the release of that lock.</summary>
public sealed class PixelLease(BgraImage image, IDisposable? owner) : IDisposable
{
    public BgraImage Image { get; } = image;
    public void Dispose() => owner?.Dispose();
}
