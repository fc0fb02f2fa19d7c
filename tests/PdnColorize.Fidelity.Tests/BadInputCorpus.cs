using System.Buffers.Binary;
using System.IO.Compression;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Fidelity.Tests;

/// <summary>The documented outcome of a case: what the CLI exits with (0 ok, 2 bad input, 3 model problem).</summary>
public enum Outcome { Ok = 0, BadInput = 2, ModelProblem = 3 }

/// <summary>
/// One hostile input. <see cref="Allowed"/> lists the documented outcomes (a bit flip in a JPEG's entropy data decodes
/// to other pixels and is fine; one in its header is bad input: both are correct, a crash or exit 1 never is).
/// Image cases carry file bytes and run with <see cref="ModelKind.Plumbing"/>; model cases carry a model.
/// </summary>
public sealed record CorpusCase(string Kind, string Name, string Extension, byte[] Bytes, Outcome[] Allowed)
{
    public ModelKind Model { get; init; } = ModelKind.Plumbing;
    public override string ToString() => $"{Kind}/{Name}";
}

public enum ModelKind { Plumbing, WrongOutputChannels, WrongInputChannels, NaNOutput, Garbage, Truncated, Empty }

/// <summary>Builds the corpus (in memory, deterministic: fixed seeds and cut points); nothing is stored in the repo.</summary>
public static class BadInputCorpus
{
    private static readonly Outcome[] Bad = [Outcome.BadInput];
    private static readonly Outcome[] OkOrBad = [Outcome.Ok, Outcome.BadInput];
    private static readonly Outcome[] Ok = [Outcome.Ok];
    private static readonly Outcome[] ModelBad = [Outcome.ModelProblem];

    public static IReadOnlyList<CorpusCase> All { get; } = Build();

    private static List<CorpusCase> Build()
    {
        var list = new List<CorpusCase>();
        var photo = TestImages.Colour(64, 48, seed: 3);
        var formats = new (string Ext, byte[] Bytes)[]
        {
            (".png", Encode(photo, SKEncodedImageFormat.Png)),
            (".jpg", Encode(photo, SKEncodedImageFormat.Jpeg)),
            (".webp", EncodeWebp(photo)),
        };
        foreach (var (ext, bytes) in formats)
        {
            string fmt = ext.TrimStart('.');
            // Truncated: 28 cut points from 0 bytes to one byte short (the last cuts lose only trailers, which some
            // decoders forgive: Ok is then correct as long as the pixels came out whole).
            for (int i = 0; i < 28; i++)
            {
                int cut = (int)((long)bytes.Length * i / 28);
                if (i == 27) cut = bytes.Length - 1;
                list.Add(new($"truncated-{fmt}", $"cut{cut}of{bytes.Length}", ext, bytes[..cut], cut == 0 ? Bad : OkOrBad));
            }
            // Bit-flipped: 30 seeds, 1-8 random bits anywhere (signature and header included).
            for (int seed = 0; seed < 30; seed++)
            {
                var rng = new Random(1000 + seed);
                var copy = (byte[])bytes.Clone();
                int flips = 1 + rng.Next(8);
                for (int f = 0; f < flips; f++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                list.Add(new($"bitflip-{fmt}", $"seed{seed}x{flips}", ext, copy, OkOrBad));
            }
        }

        // Damaged scan data: 64 random bytes over a JPEG's entropy-coded data decode to a garbled picture
        // with Skia's "success"; JpegScanCheck refuses those that break the Huffman stream. In this small photo (72
        // blocks) 3 of these 10 resynchronise and end where the scan ends, so nothing in the file tells them from an
        // original: Ok stays allowed (the rates are measured in DamagedFileTests). A 12-bit JPEG and a bad PNG header
        // checksum are bad input with their own words.
        var jpeg = formats[1].Bytes;
        int scan = ScanStart(jpeg);
        for (int seed = 0; seed < 10; seed++)
        {
            var copy = (byte[])jpeg.Clone();
            var rng = new Random(2000 + seed);
            rng.NextBytes(copy.AsSpan(scan + rng.Next(jpeg.Length - 2 - 64 - scan), 64));
            list.Add(new("damaged-scan-jpg", $"garbage64-seed{seed}", ".jpg", copy, OkOrBad));
        }
        list.Add(new("damaged-header", "12-bit.jpg", ".jpg", TwelveBit(jpeg), Bad));
        var badCrc = (byte[])formats[0].Bytes.Clone();
        badCrc[29] ^= 0x01;
        list.Add(new("damaged-header", "ihdr-crc.png", ".png", badCrc, Bad));

        // Sizes.
        list.Add(new("size", "0x0.png", ".png", Png(0, 0, 8, 2, new byte[0]), Bad));
        list.Add(new("size", "0x16.png", ".png", Png(0, 16, 8, 2, new byte[0]), Bad));
        list.Add(new("size", "1x1.png", ".png", Encode(TestImages.Gray(1, 1), SKEncodedImageFormat.Png), Bad));
        list.Add(new("size", "1x65535.png", ".png", Png(1, 65535, 8, 0, Rows(1, 65535, 1, (x, y) => (byte)(y % 251))), Bad));
        list.Add(new("size", "65535x1.png", ".png", Png(65535, 1, 8, 0, Rows(65535, 1, 1, (x, y) => (byte)(x % 251))), Bad));
        list.Add(new("size", "7x200.png", ".png", Encode(TestImages.Gray(7, 200), SKEncodedImageFormat.Png), Bad));
        list.Add(new("size", "8x8.png", ".png", Encode(TestImages.Gray(8, 8), SKEncodedImageFormat.Png), Ok));

        // Pixel formats that must decode and colourise.
        list.Add(new("format", "rgb16.png", ".png", Png(40, 30, 16, 2, Rows(40, 30, 6, (x, y) => (byte)(x * 5 + y))), Ok));
        list.Add(new("format", "gray16.png", ".png", Png(40, 30, 16, 0, Rows(40, 30, 2, (x, y) => (byte)(x * 6))), Ok));
        list.Add(new("format", "rgba16.png", ".png", Png(40, 30, 16, 6, Rows(40, 30, 8, (x, y) => (byte)(200 + x))), Ok));
        list.Add(new("format", "gray8.png", ".png", Png(40, 30, 8, 0, Rows(40, 30, 1, (x, y) => (byte)(x * 6 + y))), Ok));
        list.Add(new("format", "gray-alpha.png", ".png", Png(40, 30, 8, 4, Rows(40, 30, 2, (x, y) => (byte)(x * 6))), Ok));
        list.Add(new("format", "gray1bit.png", ".png", Png(40, 30, 1, 0, Rows(5, 30, 1, (x, y) => (byte)(0xA5 ^ y))), Ok));
        list.Add(new("format", "paletted.png", ".png", Paletted(40, 30, withTransparency: false), Ok));
        list.Add(new("format", "paletted-trns.png", ".png", Paletted(40, 30, withTransparency: true), Ok));
        list.Add(new("format", "cmyk.jpg", ".jpg", File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", "cmyk-red-to-blue.jpg")), Ok));
        list.Add(new("format", "gray.jpg", ".jpg", Encode(TestImages.Gray(40, 30), SKEncodedImageFormat.Jpeg), Ok));

        // TIFF: 8-bit and 16-bit RGB (Deflate) must work; cut ones are bad input.
        var tiffGray = TestImages.Gray(40, 30);
        var deep = new DeepLuminance(40, 30, Enumerable.Range(0, 40 * 30).Select(i => (ushort)(1000 + 1531 * (i % 40) + 7 * (i / 40))).ToArray());
        byte[] Tiff(DeepLuminance? d)
        {
            using var ms = new MemoryStream();
            TiffCodec.Encode(tiffGray, d, ms);
            return ms.ToArray();
        }
        var tiff16 = Tiff(deep);
        list.Add(new("format", "rgb8.tif", ".tif", Tiff(null), Ok));
        list.Add(new("format", "rgb16.tif", ".tif", tiff16, Ok));
        foreach (int cut in new[] { 8, tiff16.Length / 3, tiff16.Length / 2 })
            list.Add(new("truncated-tiff", $"cut{cut}of{tiff16.Length}", ".tif", tiff16[..cut], Bad));

        // Decompression bombs: a tiny file declaring a huge image, refused from the header before any allocation.
        list.Add(new("bomb", "png-100000x100000", ".png", Png(100000, 100000, 8, 2, new byte[16], rawIdat: true), Bad));
        list.Add(new("bomb", "png-60000x60000", ".png", Png(60000, 60000, 8, 2, new byte[16], rawIdat: true), Bad));
        list.Add(new("bomb", "png-4294967295x1", ".png", Png(uint.MaxValue, 1, 8, 2, new byte[16], rawIdat: true), Bad));
        list.Add(new("bomb", "jpeg-65500x65500", ".jpg", JpegDeclaring(formats[1].Bytes, 65500, 65500), Bad));
        list.Add(new("bomb", "bmp-60000x60000", ".bmp", BmpDeclaring(60000, 60000), Bad));

        // Not images at all.
        list.Add(new("not-image", "empty.png", ".png", [], Bad));
        list.Add(new("not-image", "text.png", ".png", "this is not a picture\n"u8.ToArray(), Bad));
        list.Add(new("not-image", "gif.png", ".png", "GIF89a\x01\x00\x01\x00\x00\x00\x00;"u8.ToArray(), Bad));
        list.Add(new("not-image", "signature-only.png", ".png", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], Bad));
        list.Add(new("not-image", "heic.png", ".png", [0, 0, 0, 0x18, .."ftypheic"u8, 0, 0, 0, 0, .."mif1heic"u8], Bad));
        list.Add(new("not-image", "avif.png", ".png", [0, 0, 0, 0x1C, .."ftypavif"u8, 0, 0, 0, 0, .."avifmif1"u8], Bad));
        list.Add(new("not-image", "jpeg2000.png", ".png", [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0x14], Bad));

        // Models: a good image, a bad model.
        var input = Encode(TestImages.Gray(48, 32), SKEncodedImageFormat.Png);
        foreach (var kind in new[] { ModelKind.WrongOutputChannels, ModelKind.WrongInputChannels, ModelKind.NaNOutput, ModelKind.Garbage, ModelKind.Truncated, ModelKind.Empty })
            list.Add(new("model", kind.ToString(), ".png", input, ModelBad) { Model = kind });
        return list;
    }

    /// <summary>Writes the model of a case into <paramref name="dir"/>.</summary>
    public static string WriteModel(ModelKind kind, string dir, string embeddedModel)
    {
        string path = Path.Combine(dir, kind.ToString().ToLowerInvariant() + ".onnx");
        switch (kind)
        {
            case ModelKind.Plumbing: return FixtureModels.Plumbing(path);
            case ModelKind.WrongOutputChannels: return FixtureModels.WrongOutputChannels(path);
            case ModelKind.WrongInputChannels: return FixtureModels.WrongInputChannels(path);
            case ModelKind.NaNOutput: return FixtureModels.NaNOutput(path);
            case ModelKind.Garbage:
                var junk = new byte[4096];
                new Random(42).NextBytes(junk);
                File.WriteAllBytes(path, junk);
                return path;
            case ModelKind.Truncated:
                using (var src = File.OpenRead(embeddedModel))
                {
                    var head = new byte[64 * 1024];
                    src.ReadExactly(head);
                    File.WriteAllBytes(path, head);
                }
                return path;
            case ModelKind.Empty:
                File.WriteAllBytes(path, []);
                return path;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    // ------------------------------------------------------------------ encoders

    public static byte[] Encode(BgraImage image, SKEncodedImageFormat format)
    {
        using var ms = new MemoryStream();
        ImageCodec.Encode(image, ms, format);
        return ms.ToArray();
    }

    private static byte[] EncodeWebp(BgraImage image)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Bgra8888, SKAlphaType.Opaque);
        using var pin = image.Pixels.Pin();
        unsafe
        {
            using var pixmap = new SKPixmap(info, (IntPtr)pin.Pointer, image.Stride);
            using var ms = new MemoryStream();
            if (!pixmap.Encode(ms, new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, 80))) throw new InvalidOperationException("webp encode failed");
            return ms.ToArray();
        }
    }

    /// <summary>Raw scanlines (filter byte 0 + <paramref name="bytesPerRow"/> bytes a row; bytesPerRow = width x bytes per pixel).</summary>
    private static byte[] Rows(int width, int height, int bytesPerPixel, Func<int, int, byte> value)
    {
        int rowBytes = width * bytesPerPixel;
        var raw = new byte[(long)(rowBytes + 1) * height];
        for (int y = 0; y < height; y++)
        for (int i = 0; i < rowBytes; i++)
            raw[(long)y * (rowBytes + 1) + 1 + i] = value(i / bytesPerPixel, y);
        return raw;
    }

    /// <summary>A PNG written by hand (so any header can be declared): IHDR, optional PLTE/tRNS, one IDAT, IEND.</summary>
    private static byte[] Png(long width, long height, int bitDepth, int colourType, byte[] scanlines, bool rawIdat = false,
        byte[]? palette = null, byte[]? transparency = null)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(0), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = (byte)bitDepth; ihdr[9] = (byte)colourType;
        Chunk(ms, "IHDR", ihdr);
        if (palette is not null) Chunk(ms, "PLTE", palette);
        if (transparency is not null) Chunk(ms, "tRNS", transparency);
        byte[] idat;
        if (rawIdat) idat = scanlines;
        else
        {
            using var z = new MemoryStream();
            using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(scanlines);
            idat = z.ToArray();
        }
        Chunk(ms, "IDAT", idat);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static byte[] Paletted(int width, int height, bool withTransparency)
    {
        var palette = new byte[16 * 3];
        for (int i = 0; i < 16; i++) { palette[3 * i] = (byte)(i * 16); palette[3 * i + 1] = (byte)(255 - i * 16); palette[3 * i + 2] = (byte)(i * 7); }
        byte[]? trns = withTransparency ? Enumerable.Range(0, 16).Select(i => (byte)(255 - i * 8)).ToArray() : null;
        return Png(width, height, 8, 3, Rows(width, height, 1, (x, y) => (byte)((x + y) % 16)), palette: palette, transparency: trns);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(len, crc);
        s.Write(len);
    }

    /// <summary>A real JPEG with its SOF0/SOF2 frame size rewritten: the header claims a huge image, the data is tiny.</summary>
    private static byte[] JpegDeclaring(byte[] jpeg, int width, int height)
    {
        var copy = (byte[])jpeg.Clone();
        for (int i = 2; i + 9 < copy.Length;)
        {
            if (copy[i] != 0xFF) { i++; continue; }
            byte marker = copy[i + 1];
            int length = (copy[i + 2] << 8) | copy[i + 3];
            if (marker is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), (ushort)width);
                return copy;
            }
            i += 2 + length;
        }
        throw new InvalidOperationException("no SOF marker");
    }

    /// <summary>Where the entropy-coded data of a JPEG's first scan starts.</summary>
    private static int ScanStart(byte[] jpeg)
    {
        for (int i = 2; i + 3 < jpeg.Length;)
        {
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (jpeg[i + 1] == 0xDA) return i + 2 + length;
            i += 2 + length;
        }
        throw new InvalidOperationException("no scan");
    }

    /// <summary>The JPEG with its frame header saying extended sequential, 12-bit samples.</summary>
    private static byte[] TwelveBit(byte[] jpeg)
    {
        var copy = (byte[])jpeg.Clone();
        for (int i = 2; i + 4 < copy.Length;)
        {
            int length = (copy[i + 2] << 8) | copy[i + 3];
            if (copy[i + 1] is 0xC0 or 0xC1)
            {
                copy[i + 1] = 0xC1;
                copy[i + 4] = 12;
                return copy;
            }
            i += 2 + length;
        }
        throw new InvalidOperationException("no SOF marker");
    }

    /// <summary>A 54-byte BMP header declaring a 24-bit image of the given size, followed by a few bytes of pixels.</summary>
    private static byte[] BmpDeclaring(int width, int height)
    {
        var b = new byte[54 + 64];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(2), (uint)b.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(10), 54);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(28), 24);
        return b;
    }

    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
