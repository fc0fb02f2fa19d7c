using System.Diagnostics;
using PdnColorize.Core.Pixels;
using SkiaSharp;

namespace PdnColorize.Imaging;

/// <summary>One encoder's best time and its output size.</summary>
public sealed record PngEncodeTiming(string Encoder, double BestMilliseconds, long Bytes);

/// <summary>
/// Times the product's PNG encoder (<see cref="StripPngEncoder"/> at <see cref="ImageCodec.PngZlibLevel"/>, every
/// core) against Skia's (libpng's adaptive filters, same level, one thread), which it replaced, on one image in memory:
/// what `pdncolorize bench --png` prints.
/// </summary>
public static class PngBenchmark
{
    public static IReadOnlyList<PngEncodeTiming> Run(BgraImage image, int repeats = 3, int threads = 0)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "at least one run");
        bool opaque = ImageCodec.IsOpaque(image);
        return
        [
            Time($"strips, zlib {ImageCodec.PngZlibLevel}, {(threads > 0 ? threads : Environment.ProcessorCount)} thread(s)", repeats,
                s => StripPngEncoder.Encode(image, s, opaque, ImageCodec.PngZlibLevel, threads)),
            Time($"skia (libpng), zlib {ImageCodec.PngZlibLevel}, 1 thread", repeats, s => EncodeWithSkia(image, s, opaque)),
        ];
    }

    private static PngEncodeTiming Time(string name, int repeats, Action<Stream> encode)
    {
        double best = double.MaxValue;
        long bytes = 0;
        for (int r = 0; r < repeats; r++)
        {
            var output = new MemoryStream();
            var clock = Stopwatch.StartNew();
            encode(output);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            bytes = output.Length;
        }
        return new PngEncodeTiming(name, best, bytes);
    }

    private static void EncodeWithSkia(BgraImage image, Stream destination, bool opaque)
    {
        var options = new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, ImageCodec.PngZlibLevel);
        if (!ImageCodec.WithSkiaPixmap(image, opaque, pixmap => pixmap.Encode(destination, options)))
            throw new IOException("Skia could not encode the image");
    }
}
