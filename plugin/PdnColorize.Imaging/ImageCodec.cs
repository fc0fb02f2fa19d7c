using System.Buffers.Binary;
using PdnColorize.Core.Pixels;
using SkiaSharp;

namespace PdnColorize.Imaging;

/// <summary>
/// Image files to and from <see cref="BgraImage"/> through SkiaSharp.
/// <para>Reading: PNG, JPEG, WebP and BMP. The declared size is checked against <see cref="ImageLimits"/> before any
/// pixel memory is allocated; EXIF orientation is applied (the result is upright); pixels come out as 8-bit BGRA
/// with straight (unpremultiplied) alpha, converted to sRGB when the file carries a colour profile. Gray, paletted
/// and 16-bit files become 8-bit BGRA. CMYK JPEGs are converted by Skia (Adobe-inverted CMYK included).
/// Every failure is an <see cref="ImageDecodeException"/> naming the file.</para>
/// <para>Writing: PNG or JPEG chosen by extension, through a temporary file in the same folder renamed over the
/// target, so a reader never sees half a file and a failure leaves nothing behind.</para>
/// </summary>
public static class ImageCodec
{
    /// <summary>Extensions <see cref="Load(string)"/> reads (lower case, with the dot).</summary>
    public static IReadOnlyList<string> InputExtensions { get; } = [".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp"];

    /// <summary>Extensions <see cref="Save"/> writes.</summary>
    public static IReadOnlyList<string> OutputExtensions { get; } = [".png", ".jpg", ".jpeg"];

    public static bool IsInputExtension(string path) =>
        InputExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    // ------------------------------------------------------------------ reading

    /// <summary>Reads an image file; see the class remarks.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, unreadable, not a supported image, damaged or too large.</exception>
    public static BgraImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new ImageDecodeException(path, "is a folder, not an image file.");
        if (!File.Exists(path)) throw new ImageDecodeException(path, "does not exist.");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, $"cannot be read: {e.Message}", e);
        }
        using (stream) return Load(stream, path);
    }

    /// <summary>Reads an image from a stream (left open); <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="ImageDecodeException">The data is not a supported image, damaged or too large.</exception>
    public static BgraImage Load(Stream stream, string name = "")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }

        long start = stream.Position;
        if (stream.Length - start == 0) throw new ImageDecodeException(name, "is empty.");
        var head = new byte[32];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        CheckDeclaredSize(head.AsSpan(0, got), name);

        // Skia owns the wrapper and reads through it; the caller's stream stays open (disposeManagedStream: false).
        using var codec = SKCodec.Create(new SKManagedStream(stream, disposeManagedStream: false), out var result);
        if (codec is null) throw new ImageDecodeException(name, OpenProblem(result, head.AsSpan(0, got)));

        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Webp or SKEncodedImageFormat.Bmp))
            throw new ImageDecodeException(name, $"is a {codec.EncodedFormat} image; only PNG, JPEG, WebP and BMP are supported.");

        var declared = codec.Info;
        if (ImageLimits.Check(declared.Width, declared.Height) is { } tooBig)
            throw new ImageDecodeException(name, $"cannot be opened: {tooBig}.");

        var stored = new BgraImage(declared.Width, declared.Height);
        var want = new SKImageInfo(declared.Width, declared.Height, SKColorType.Bgra8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
        SKCodecResult decoded;
        using (var pin = stored.Pixels.Pin())
        {
            unsafe { decoded = codec.GetPixels(want, (IntPtr)pin.Pointer, stored.Stride, new SKCodecOptions()); }
        }
        if (decoded != SKCodecResult.Success) throw new ImageDecodeException(name, DecodeProblem(decoded));

        return Orientation.Apply(stored, codec.EncodedOrigin);
    }

    /// <summary>
    /// Reads the size a PNG, JPEG... declares before Skia sees it: a PNG's IHDR can claim 0x0 or 100000x100000, which
    /// libpng itself would refuse only with an unhelpful message. Other formats are checked from Skia's header read.
    /// </summary>
    private static void CheckDeclaredSize(ReadOnlySpan<byte> head, string name)
    {
        ReadOnlySpan<byte> pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (head.Length >= 24 && head[..8].SequenceEqual(pngSignature) && head.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            long width = BinaryPrimitives.ReadUInt32BigEndian(head.Slice(16, 4));
            long height = BinaryPrimitives.ReadUInt32BigEndian(head.Slice(20, 4));
            if (ImageLimits.Check(width, height) is { } problem)
                throw new ImageDecodeException(name, $"cannot be opened: {problem}.");
        }
    }

    private static string OpenProblem(SKCodecResult result, ReadOnlySpan<byte> head)
    {
        bool looksKnown = head.Length >= 4 && (
            (head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') ||
            (head[0] == 0xFF && head[1] == 0xD8) ||
            (head[0] == 'B' && head[1] == 'M') ||
            (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WEBP"u8)));
        return result switch
        {
            SKCodecResult.IncompleteInput => "is truncated: its header is incomplete.",
            _ when looksKnown => "is damaged: its header cannot be read.",
            _ => "is not an image (PNG, JPEG, WebP or BMP).",
        };
    }

    private static string DecodeProblem(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "is truncated: the file ends before all of its pixels.",
        SKCodecResult.ErrorInInput => "is damaged: its pixel data contains errors.",
        SKCodecResult.InvalidConversion => "uses a pixel format that cannot be converted to 8-bit RGBA.",
        _ => $"cannot be decoded ({result}).",
    };

    // ------------------------------------------------------------------ masks

    /// <summary>
    /// Reads a selection mask for a <paramref name="width"/> x <paramref name="height"/> image. Coverage is the
    /// pixel's luminance (white = selected, black = not, gray = partly), unless the mask has transparency: then
    /// coverage is its alpha (a painted shape on a transparent layer). Returns null when nothing is covered.
    /// </summary>
    /// <exception cref="ImageDecodeException">The mask cannot be read or its size differs from the image's.</exception>
    public static SelectionMask? LoadMask(string path, int width, int height)
    {
        var mask = Load(path);
        if (mask.Width != width || mask.Height != height)
            throw new ImageDecodeException(path, $"is a {mask.Width}x{mask.Height} mask; the image is {width}x{height}, and a mask must be the same size.");
        return SelectionMask.FromFullImage(width, height, Coverage(mask));
    }

    /// <summary>Coverage bytes (row-major, width*height) of a mask image: luminance, or alpha when any pixel is not opaque.</summary>
    public static byte[] Coverage(BgraImage mask)
    {
        bool useAlpha = false;
        for (int y = 0; y < mask.Height && !useAlpha; y++)
        {
            var row = mask.Row(y);
            for (int i = 3; i < row.Length; i += 4)
                if (row[i] != 255) { useAlpha = true; break; }
        }

        var coverage = new byte[(long)mask.Width * mask.Height];
        for (int y = 0; y < mask.Height; y++)
        {
            var row = mask.Row(y);
            var dst = coverage.AsSpan(y * mask.Width, mask.Width);
            for (int x = 0, o = 0; x < dst.Length; x++, o += 4)
                dst[x] = useAlpha
                    ? row[o + 3]
                    : (byte)((29 * row[o] + 150 * row[o + 1] + 77 * row[o + 2] + 128) >> 8); // Rec.601 luma of B, G, R
        }
        return coverage;
    }

    // ------------------------------------------------------------------ writing

    /// <summary>
    /// Checks, without writing the image, that <paramref name="path"/> can receive one: a PNG/JPEG extension, an
    /// existing folder that accepts a new file, not a folder itself. Lets a host fail before a long computation.
    /// </summary>
    /// <exception cref="ImageSaveException">The path cannot be written.</exception>
    public static void CheckWritable(string path)
    {
        FormatOf(path);
        string full = FullPath(path);
        if (Directory.Exists(full)) throw new ImageSaveException(path, "is a folder.");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new ImageSaveException(path, $"cannot be written: the folder '{dir}' does not exist.");
        string probe = TempPathFor(full);
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageSaveException(path, $"cannot be written: {e.Message}", e);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    /// <summary>
    /// Writes <paramref name="image"/> as PNG or JPEG (by extension; alpha is dropped in JPEG) through a temporary
    /// file renamed over <paramref name="path"/>. On any failure or cancellation the temporary file is deleted and
    /// the target is left as it was.
    /// </summary>
    /// <exception cref="ImageSaveException">Unsupported extension, missing folder or no permission.</exception>
    public static void Save(BgraImage image, string path, int jpegQuality = 95, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var format = FormatOf(path);
        if (jpegQuality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(jpegQuality), "JPEG quality must lie in 1..100");
        string full = FullPath(path);
        if (Directory.Exists(full)) throw new ImageSaveException(path, "is a folder.");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new ImageSaveException(path, $"cannot be written: the folder '{dir}' does not exist.");
        cancellation.ThrowIfCancellationRequested();

        string temp = TempPathFor(full);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024))
            {
                Encode(image, file, format, jpegQuality);
                file.Flush(flushToDisk: true);
            }
            AfterTempWritten?.Invoke(temp);
            cancellation.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException)
        {
            TryDelete(temp);
            throw new ImageSaveException(path, $"cannot be written: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Test seam: runs after the temporary file is complete, before the rename.</summary>
    [ThreadStatic] internal static Action<string>? AfterTempWritten;

    /// <summary>
    /// zlib level of PNG output. Saving was the longest step of a 24-100 MP job on the GPU machine (2.7-9 s); on three
    /// 2560x1600 photos level 3 encoded 2.6-3.2x faster than libpng's default 6 (Garden 1135 -> 368 ms) for files
    /// -2 % to +15 % larger (docs/performance.md, measured with Skia's encoder; now the strips of
    /// <see cref="StripPngEncoder"/> are deflated at this level on every core). PNG stays lossless either way.
    /// </summary>
    public const int PngZlibLevel = 3;

    /// <summary>Encodes to a stream (PNG or JPEG); the stream is not closed.</summary>
    public static void Encode(BgraImage image, Stream destination, SKEncodedImageFormat format, int jpegQuality = 95)
    {
        bool opaque = IsOpaque(image);
        if (format == SKEncodedImageFormat.Png)
        {
            // Deflated in strips on every core (StripPngEncoder says why); opaque images are stored as RGB.
            StripPngEncoder.Encode(image, destination, opaque, PngZlibLevel);
            return;
        }
        if (format != SKEncodedImageFormat.Jpeg)
            throw new ArgumentOutOfRangeException(nameof(format), $"{format} cannot be written; use PNG or JPEG");
        var options = new SKJpegEncoderOptions(jpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore);
        if (!WithSkiaPixmap(image, opaque, pixmap => pixmap.Encode(destination, options)))
            throw new IOException($"Skia could not encode a {image.Width}x{image.Height} image as {format}.");
    }

    /// <summary>Runs <paramref name="encode"/> on a Skia view of the pixels (pinned for the call; opaque images declared so).</summary>
    internal static bool WithSkiaPixmap(BgraImage image, bool opaque, Func<SKPixmap, bool> encode)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Bgra8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var pin = image.Pixels.Pin();
        IntPtr address;
        unsafe { address = (IntPtr)pin.Pointer; }
        using var pixmap = new SKPixmap(info, address, image.Stride);
        return encode(pixmap);
    }

    internal static bool IsOpaque(BgraImage image)
    {
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (int i = 3; i < row.Length; i += 4)
                if (row[i] != 255) return false;
        }
        return true;
    }

    private static SKEncodedImageFormat FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new ImageSaveException(path, "is not a file name.");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => SKEncodedImageFormat.Png,
            ".jpg" or ".jpeg" => SKEncodedImageFormat.Jpeg,
            var ext => throw new ImageSaveException(path,
                $"cannot be written: {(ext.Length == 0 ? "it has no extension" : $"'{ext}' is not supported")}; use .png, .jpg or .jpeg."),
        };
    }

    private static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ImageSaveException(path, $"is not a valid path: {e.Message}", e);
        }
    }

    private static string TempPathFor(string fullTarget) =>
        Path.Combine(Path.GetDirectoryName(fullTarget)!, $".{Path.GetFileName(fullTarget)}.{Guid.NewGuid().ToString("N")[..8]}.tmp");

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
