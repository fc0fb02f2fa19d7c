using System.Numerics;
using System.Runtime.InteropServices;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// A 64-bit content hash of a region of pixels: the "document identity" half of a prediction key. Streams rows,
/// about a gigabyte a second; equal pixels give equal fingerprints within and across effect sessions.
/// </summary>
public static class ImageFingerprint
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL, Prime2 = 0xC2B2AE3D27D4EB4FUL;

    /// <param name="image">Pixels where (0,0) is <paramref name="origin"/> of the document.</param>
    public static ulong Of(BgraImage image, PixelRect origin, CancellationToken cancellation = default)
    {
        ulong h = Mix(Prime2, (ulong)(uint)origin.X << 32 | (uint)origin.Y);
        h = Mix(h, (ulong)(uint)image.Width << 32 | (uint)image.Height);
        for (int y = 0; y < image.Height; y++)
        {
            if ((y & 255) == 0) cancellation.ThrowIfCancellationRequested();
            var row = image.Row(y);
            var words = MemoryMarshal.Cast<byte, ulong>(row);
            ulong a = h, b = h ^ Prime1;
            int i = 0;
            for (; i + 1 < words.Length; i += 2) { a = Mix(a, words[i]); b = Mix(b, words[i + 1]); }
            if (i < words.Length) a = Mix(a, words[i]);
            for (int t = words.Length * 8; t < row.Length; t++) b = Mix(b, row[t]);
            h = Mix(a, b);
        }
        return h;
    }

    private static ulong Mix(ulong h, ulong v) => BitOperations.RotateLeft(h ^ (v * Prime1), 31) * Prime2;
}
