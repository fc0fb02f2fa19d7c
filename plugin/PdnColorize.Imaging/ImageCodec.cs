using System.Buffers.Binary;
using PdnColorize.Core.Pixels;
using SkiaSharp;

namespace PdnColorize.Imaging;

/// <summary>
/// Image files to and from <see cref="BgraImage"/> through SkiaSharp.
/// <para>Reading: PNG, JPEG, WebP and BMP through Skia, TIFF through <see cref="TiffCodec"/>. The declared size is checked against <see cref="ImageLimits"/> before any
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
    public static IReadOnlyList<string> InputExtensions { get; } = [".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".tif", ".tiff"];

    /// <summary>The one sentence that says what is read and what is not (HEIC, AVIF, JPEG 2000 are not).</summary>
    public const string FormatsSentence = "PdnColorize reads PNG, JPEG, WebP, BMP and TIFF; HEIC, AVIF, JPEG 2000 and GIF are not supported: convert it to PNG or TIFF first";

    /// <summary>Extensions <see cref="Save"/> writes.</summary>
    public static IReadOnlyList<string> OutputExtensions { get; } = [".png", ".jpg", ".jpeg", ".tif", ".tiff"];

    public static bool IsInputExtension(string path) =>
        InputExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    // ------------------------------------------------------------------ reading

    /// <summary>Reads an image file; see the class remarks.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, unreadable, not a supported image, damaged or too large.</exception>
    public static BgraImage Load(string path) => LoadDecoded(path).Image;

    /// <summary>Reads an image file with its 16-bit luminance (where it has one) and notices (a multi-page TIFF).</summary>
    /// <exception cref="ImageDecodeException">The file is missing, unreadable, not a supported image, damaged or too large.</exception>
    public static DecodedImage LoadDecoded(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = InputFile.OpenRead(path);
        using (stream) return LoadDecoded(stream, path);
    }

    /// <summary>Reads an image from a stream (left open); <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="ImageDecodeException">The data is not a supported image, damaged or too large.</exception>
    public static BgraImage Load(Stream stream, string name = "") => LoadDecoded(stream, name).Image;

    /// <summary>As <see cref="Load(Stream, string)"/>, with the 16-bit luminance and notices.</summary>
    public static DecodedImage LoadDecoded(Stream stream, string name = "")
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
        var head = new byte[64];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        CheckDeclaredSize(head.AsSpan(0, got), name);
        if (TiffCodec.LooksLikeTiff(head.AsSpan(0, got))) return TiffCodec.Decode(stream, name);
        if (KnownUnsupported(head.AsSpan(0, got)) is { } format) throw new ImageDecodeException(name, $"is a {format} image; {FormatsSentence}.");
        // A JPEG is read whole once more for JpegScanCheck: libjpeg only warns about damaged scan data.
        byte[]? jpeg = got >= 2 && head[0] == 0xFF && head[1] == 0xD8 ? ReadRest(stream, start) : null;

        // Skia owns the wrapper and reads through it; the caller's stream stays open (disposeManagedStream: false).
        using var codec = SKCodec.Create(new SKManagedStream(stream, disposeManagedStream: false), out var result);
        if (codec is null)
        {
            if (jpeg is not null && JpegScanCheck.Precision(jpeg) is { } bits and not 8)
                throw new ImageDecodeException(name, $"is a {bits}-bit JPEG; only 8-bit JPEGs can be read (save it as a 16-bit PNG or TIFF).");
            throw new ImageDecodeException(name, OpenProblem(result, head.AsSpan(0, got)));
        }

        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Webp or SKEncodedImageFormat.Bmp))
            throw new ImageDecodeException(name, $"is a {codec.EncodedFormat.ToString().ToUpperInvariant()} image; {FormatsSentence}.");

        var declared = codec.Info;
        if (ImageLimits.Check(declared.Width, declared.Height) is { } tooBig)
            throw new ImageDecodeException(name, $"cannot be opened: {tooBig}.");

        var stored = new BgraImage(declared.Width, declared.Height);
        var want = new SKImageInfo(declared.Width, declared.Height, SKColorType.Bgra8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
        // The scan check reads only the bytes (0.33 s for a 14.7 MB, 24 MP JPEG here): it runs beside Skia's decode.
        var damage = jpeg is not null && codec.EncodedFormat == SKEncodedImageFormat.Jpeg ? Task.Run(() => JpegScanCheck.Check(jpeg)) : null;
        SKCodecResult decoded;
        using (var pin = stored.Pixels.Pin())
        {
            unsafe { decoded = codec.GetPixels(want, (IntPtr)pin.Pointer, stored.Stride, new SKCodecOptions()); }
        }
        if (decoded != SKCodecResult.Success) throw new ImageDecodeException(name, DecodeProblem(decoded));
        if (damage?.GetAwaiter().GetResult() is { } problem)
            throw new ImageDecodeException(name, $"is damaged: {problem}");

        var deep = got >= 26 && codec.EncodedFormat == SKEncodedImageFormat.Png && head[24] == 16 && codec.EncodedOrigin == SKEncodedOrigin.TopLeft
            ? Png16Reader.Read(stream, start)
            : null;
        return new DecodedImage(Orientation.Apply(stored, codec.EncodedOrigin), deep, []);
    }

    /// <summary>HEIC, AVIF and JPEG 2000 by their signatures: named, where Skia would only say "not an image".</summary>
    private static string? KnownUnsupported(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            string brand = System.Text.Encoding.ASCII.GetString(head.Slice(8, 4));
            if (brand is "avif" or "avis") return "AVIF";
            if (brand is "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "mif1" or "msf1") return "HEIC";
        }
        if (head.Length >= 12 && head[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A])) return "JPEG 2000";
        if (head.Length >= 4 && head[0] == 0xFF && head[1] == 0x4F && head[2] == 0xFF && head[3] == 0x51) return "JPEG 2000";
        return null;
    }

    private static byte[] ReadRest(Stream stream, long start)
    {
        var bytes = new byte[stream.Length - start];
        stream.ReadExactly(bytes);
        stream.Position = start;
        return bytes;
    }

    /// <summary>
    /// Reads the size a PNG, JPEG... declares before Skia sees it: a PNG's IHDR can claim 0x0 or 100000x100000, which
    /// libpng itself would refuse only with an unhelpful message. Other formats are checked from Skia's header read.
    /// </summary>
    private static void CheckDeclaredSize(ReadOnlySpan<byte> head, string name)
    {
        if (head.Length >= 24 && head[..8].SequenceEqual(PngChunks.Signature) && head.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            // libpng reports a bad IHDR checksum as a short read, which Skia calls truncation.
            if (head.Length >= 33 && BinaryPrimitives.ReadUInt32BigEndian(head.Slice(29, 4)) != PngChunks.Crc(head.Slice(12, 4), head.Slice(16, 13)))
                throw new ImageDecodeException(name, "is damaged: the checksum of its header (IHDR) does not match.");
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
            _ => $"is not an image in a format read here ({FormatsSentence}).",
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
        string probe = TempFiles.For(full);
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (IOException e) when (DiskFullException.Means(e))
        {
            throw new DiskFullException(path, e);
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
    /// Writes <paramref name="image"/> as PNG, JPEG or TIFF (by extension; alpha is dropped in JPEG and TIFF) through a temporary
    /// file renamed over <paramref name="path"/>. On any failure or cancellation the temporary file is deleted and
    /// the target is left as it was.
    /// </summary>
    /// <exception cref="ImageSaveException">Unsupported extension, missing folder or no permission.</exception>
    /// <param name="deep">The source's 16-bit luminance: a PNG or TIFF is then written at 16 bits a sample (JPEG ignores it).</param>
    public static void Save(BgraImage image, string path, int jpegQuality = 95, CancellationToken cancellation = default, DeepLuminance? deep = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var format = FormatOf(path);
        if (jpegQuality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(jpegQuality), "JPEG quality must lie in 1..100");
        string full = FullPath(path);
        if (Directory.Exists(full)) throw new ImageSaveException(path, "is a folder.");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new ImageSaveException(path, $"cannot be written: the folder '{dir}' does not exist.");
        cancellation.ThrowIfCancellationRequested();

        string temp = TempFiles.For(full);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024))
            {
                if (format.Tiff) TiffCodec.Encode(image, deep, file);
                else if (deep is not null && format.Skia == SKEncodedImageFormat.Png) Png16Encoder.Encode(image, deep, file);
                else Encode(image, file, format.Skia, jpegQuality);
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
        catch (IOException e) when (DiskFullException.Means(e))
        {
            TryDelete(temp);
            throw new DiskFullException(path, e);
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

    /// <summary>The output format by extension; <c>Tiff</c> true for .tif/.tiff (LibTiff, not Skia, writes those).</summary>
    private static (SKEncodedImageFormat Skia, bool Tiff) FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new ImageSaveException(path, "is not a file name.");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => (SKEncodedImageFormat.Png, false),
            ".jpg" or ".jpeg" => (SKEncodedImageFormat.Jpeg, false),
            ".tif" or ".tiff" => (SKEncodedImageFormat.Png, true),
            var ext => throw new ImageSaveException(path,
                $"cannot be written: {(ext.Length == 0 ? "it has no extension" : $"'{ext}' is not supported")}; use .png, .jpg, .jpeg, .tif or .tiff."),
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

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
