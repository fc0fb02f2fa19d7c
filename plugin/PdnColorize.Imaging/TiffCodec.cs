using BitMiracle.LibTiff.Classic;
using PdnColorize.Core.Pixels;
using TiffOrientation = BitMiracle.LibTiff.Classic.Orientation;

namespace PdnColorize.Imaging;

/// <summary>
/// TIFF through BitMiracle.LibTiff.NET, which Skia does not read: what archives scan to, often 16-bit gray, LZW or
/// Deflate, sometimes several pages. Reading: the first page (a notice names the others); 8 and 16 bits, gray and
/// RGB stored in strips are read sample by sample, and their luminance is kept at 16 bits (<see cref="DeepLuminance"/>)
/// where the file has 16; anything else LibTiff understands (tiles, palettes, YCbCr, 1-bit) comes through its RGBA
/// reader at 8 bits. Writing: 8-bit RGB, or 16-bit RGB from a deep luminance, Deflate-compressed.
/// </summary>
public static class TiffCodec
{
    public static bool LooksLikeTiff(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0) ||
                             (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42));

    /// <exception cref="ImageDecodeException">Damaged, too large, or a layout that cannot be read.</exception>
    public static DecodedImage Decode(Stream stream, string name)
    {
        var notes = new List<string>();
        var errors = new QuietErrors();
        Tiff.SetErrorHandler(errors);
        using var tif = Tiff.ClientOpen(name, "r", stream, new CallerOwnedStream())
                        ?? throw new ImageDecodeException(name, $"is damaged: its TIFF header cannot be read{errors.Detail}.");
        int width = Int(tif, TiffTag.IMAGEWIDTH), height = Int(tif, TiffTag.IMAGELENGTH);
        if (width <= 0 || height <= 0) throw new ImageDecodeException(name, "is damaged: its TIFF header declares no size.");
        if (ImageLimits.Check(width, height) is { } tooBig) throw new ImageDecodeException(name, $"cannot be opened: {tooBig}.");
        int pages = tif.NumberOfDirectories();
        if (pages > 1) notes.Add($"'{name}' has {pages} pages; only the first is colourised.");

        int bits = Int(tif, TiffTag.BITSPERSAMPLE, 1), samples = Int(tif, TiffTag.SAMPLESPERPIXEL, 1);
        var photometric = (Photometric)Int(tif, TiffTag.PHOTOMETRIC, (int)Photometric.MINISBLACK);
        var planar = (PlanarConfig)Int(tif, TiffTag.PLANARCONFIG, (int)PlanarConfig.CONTIG);
        var orientation = (TiffOrientation)Int(tif, TiffTag.ORIENTATION, (int)TiffOrientation.TOPLEFT);
        bool gray = photometric is Photometric.MINISBLACK or Photometric.MINISWHITE && samples is 1 or 2;
        bool rgb = photometric == Photometric.RGB && samples is 3 or 4;
        bool bySamples = (bits is 8 or 16) && (gray || rgb) && planar == PlanarConfig.CONTIG && !tif.IsTiled() && orientation == TiffOrientation.TOPLEFT;

        if (bySamples) return ReadSamples(tif, name, width, height, bits, samples, gray, photometric == Photometric.MINISWHITE, errors, notes);
        if (bits == 16) notes.Add($"'{name}' is a 16-bit TIFF in a layout read at 8 bits here (tiles, planes or a rotated orientation); the result has 8 bits.");
        return ReadRgba(tif, name, width, height, errors, notes);
    }

    private static DecodedImage ReadSamples(Tiff tif, string name, int width, int height, int bits, int samples, bool gray, bool minIsWhite,
        QuietErrors errors, List<string> notes)
    {
        var image = new BgraImage(width, height);
        var deep = bits == 16 ? new ushort[(long)width * height] : null;
        var line = new byte[tif.ScanlineSize()];
        int bytes = bits / 8;
        if (line.Length < (long)width * samples * bytes) throw new ImageDecodeException(name, "is damaged: its rows are shorter than its width.");
        for (int y = 0; y < height; y++)
        {
            if (!tif.ReadScanline(line, y)) throw new ImageDecodeException(name, $"is damaged: row {y} of its pixel data cannot be read{errors.Detail}.");
            var dst = image.Row(y);
            for (int x = 0; x < width; x++)
            {
                int at = x * samples * bytes;
                // LibTiff hands 16-bit samples over in the machine's byte order.
                int Sample(int s) => bytes == 1 ? line[at + s] : BitConverter.ToUInt16(line, at + 2 * s);
                int o = 4 * x;
                if (gray)
                {
                    int v = Sample(0);
                    if (minIsWhite) v = (bytes == 1 ? 255 : 65535) - v;
                    byte v8 = bytes == 1 ? (byte)v : (byte)((v * 255 + 32767) / 65535);
                    dst[o] = dst[o + 1] = dst[o + 2] = v8;
                    dst[o + 3] = samples == 2 ? To8(Sample(1), bytes) : (byte)255;
                    if (deep is not null) deep[(long)y * width + x] = (ushort)v;
                }
                else
                {
                    int r = Sample(0), g = Sample(1), b = Sample(2);
                    dst[o + 2] = To8(r, bytes);
                    dst[o + 1] = To8(g, bytes);
                    dst[o] = To8(b, bytes);
                    dst[o + 3] = samples == 4 ? To8(Sample(3), bytes) : (byte)255;
                    if (deep is not null) deep[(long)y * width + x] = DeepLuminance.GrayOf(r / 65535.0, g / 65535.0, b / 65535.0);
                }
            }
        }
        return new DecodedImage(image, deep is null ? null : new DeepLuminance(width, height, deep), notes);
    }

    private static byte To8(int v, int bytes) => bytes == 1 ? (byte)v : (byte)((v * 255 + 32767) / 65535);

    private static DecodedImage ReadRgba(Tiff tif, string name, int width, int height, QuietErrors errors, List<string> notes)
    {
        var raster = new int[(long)width * height];
        if (!tif.ReadRGBAImageOriented(width, height, raster, TiffOrientation.TOPLEFT))
            throw new ImageDecodeException(name, $"is damaged or uses a TIFF layout that cannot be read{errors.Detail}.");
        var image = new BgraImage(width, height);
        for (int y = 0; y < height; y++)
        {
            var dst = image.Row(y);
            for (int x = 0; x < width; x++)
            {
                int p = raster[(long)y * width + x], o = 4 * x;
                dst[o] = (byte)Tiff.GetB(p);
                dst[o + 1] = (byte)Tiff.GetG(p);
                dst[o + 2] = (byte)Tiff.GetR(p);
                dst[o + 3] = (byte)Tiff.GetA(p);
            }
        }
        return new DecodedImage(image, null, notes);
    }

    /// <summary>Writes RGB, Deflate-compressed: 16 bits a sample when <paramref name="deep"/> is given, else 8 (alpha dropped).</summary>
    public static void Encode(BgraImage image, DeepLuminance? deep, Stream destination)
    {
        Tiff.SetErrorHandler(new QuietErrors());
        using var tif = Tiff.ClientOpen("output", "w", destination, new CallerOwnedStream())
                        ?? throw new IOException("LibTiff could not start a TIFF");
        int bits = deep is null ? 8 : 16;
        tif.SetField(TiffTag.IMAGEWIDTH, image.Width);
        tif.SetField(TiffTag.IMAGELENGTH, image.Height);
        tif.SetField(TiffTag.SAMPLESPERPIXEL, 3);
        tif.SetField(TiffTag.BITSPERSAMPLE, bits);
        tif.SetField(TiffTag.PHOTOMETRIC, Photometric.RGB);
        tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
        tif.SetField(TiffTag.ORIENTATION, TiffOrientation.TOPLEFT);
        tif.SetField(TiffTag.COMPRESSION, Compression.ADOBE_DEFLATE);
        tif.SetField(TiffTag.ROWSPERSTRIP, tif.DefaultStripSize(0));
        var line = new byte[image.Width * 3 * (bits / 8)];
        var rgb16 = deep is null ? null : new ushort[image.Width * 3];
        for (int y = 0; y < image.Height; y++)
        {
            var src = image.Row(y);
            if (deep is null)
            {
                for (int x = 0, o = 0; x < image.Width; x++, o += 4)
                {
                    line[3 * x] = src[o + 2];
                    line[3 * x + 1] = src[o + 1];
                    line[3 * x + 2] = src[o];
                }
            }
            else
            {
                deep.Row16(image, y, rgb16!);
                Buffer.BlockCopy(rgb16!, 0, line, 0, line.Length); // machine order, as LibTiff expects
            }
            if (!tif.WriteScanline(line, y)) throw new IOException($"LibTiff could not write row {y}");
        }
        tif.WriteDirectory();
    }

    private static int Int(Tiff tif, TiffTag tag, int fallback = 0) => tif.GetField(tag) is { Length: > 0 } v ? v[0].ToInt() : fallback;

    /// <summary>LibTiff would print warnings and errors to the console; the first error becomes part of our message.</summary>
    private sealed class QuietErrors : TiffErrorHandler
    {
        private string? _first;
        public string Detail => _first is null ? "" : $" ({_first})";
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) => _first ??= string.Format(format, args);
        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) { }
        public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }
        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) { }
    }

    /// <summary>The stream stays the caller's: LibTiff would close it with the TIFF.</summary>
    private sealed class CallerOwnedStream : TiffStream
    {
        public override void Close(object clientData) { }
    }
}
