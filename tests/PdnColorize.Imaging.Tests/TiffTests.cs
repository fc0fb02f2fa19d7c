using System.Buffers.Binary;
using System.IO.Compression;
using BitMiracle.LibTiff.Classic;
using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Imaging.Tests;

public sealed class TiffTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A TIFF written by LibTiff: <paramref name="pages"/> pages of a gradient, gray or RGB, 8 or 16 bits.</summary>
    internal static byte[] Tiff(int width, int height, int bits, int samples, Compression compression, int pages = 1, bool tiled = false)
    {
        using var ms = new MemoryStream();
        using (var tif = BitMiracle.LibTiff.Classic.Tiff.ClientOpen("t", "w", ms, new KeepOpen()))
        {
            for (int page = 0; page < pages; page++)
            {
                tif.SetField(TiffTag.IMAGEWIDTH, width);
                tif.SetField(TiffTag.IMAGELENGTH, height);
                tif.SetField(TiffTag.SAMPLESPERPIXEL, samples);
                tif.SetField(TiffTag.BITSPERSAMPLE, bits);
                tif.SetField(TiffTag.PHOTOMETRIC, samples == 1 ? Photometric.MINISBLACK : Photometric.RGB);
                tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
                tif.SetField(TiffTag.COMPRESSION, compression);
                if (pages > 1) { tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE); tif.SetField(TiffTag.PAGENUMBER, page, pages); }
                int bytes = bits / 8;
                if (tiled)
                {
                    tif.SetField(TiffTag.TILEWIDTH, 16);
                    tif.SetField(TiffTag.TILELENGTH, 16);
                    var tile = new byte[16 * 16 * samples * bytes];
                    for (int ty = 0; ty < height; ty += 16)
                    for (int tx = 0; tx < width; tx += 16)
                    {
                        for (int y = 0; y < 16; y++)
                        for (int x = 0; x < 16; x++)
                        for (int s = 0; s < samples; s++)
                            Put(tile, ((y * 16 + x) * samples + s) * bytes, Value(tx + x, ty + y, s, width, bits), bytes);
                        tif.WriteTile(tile, tx, ty, 0, 0);
                    }
                }
                else
                {
                    tif.SetField(TiffTag.ROWSPERSTRIP, 8);
                    var line = new byte[width * samples * bytes];
                    for (int y = 0; y < height; y++)
                    {
                        for (int x = 0; x < width; x++)
                        for (int s = 0; s < samples; s++)
                            Put(line, (x * samples + s) * bytes, Value(x, y, s, width, bits), bytes);
                        tif.WriteScanline(line, y);
                    }
                }
                tif.WriteDirectory();
            }
        }
        return ms.ToArray();
    }

    /// <summary>A gradient that uses the low bits of 16-bit samples (steps of 37 levels: not multiples of 257).</summary>
    internal static int Value(int x, int y, int s, int width, int bits) =>
        bits == 16 ? Math.Min(65535, 2000 + (x * 61000 / Math.Max(1, width - 1)) + 37 * (y % 7) + 311 * s) : Math.Min(255, 10 + x * 230 / Math.Max(1, width - 1) + s * 3);

    private static void Put(byte[] buffer, int at, int value, int bytes)
    {
        if (bytes == 1) buffer[at] = (byte)value;
        else BitConverter.TryWriteBytes(buffer.AsSpan(at), (ushort)value); // LibTiff takes samples in machine order
    }

    private sealed class KeepOpen : TiffStream
    {
        public override void Close(object clientData) { }
    }

    [Theory]
    [InlineData(16, 1, Compression.LZW)]
    [InlineData(16, 1, Compression.ADOBE_DEFLATE)]
    [InlineData(16, 3, Compression.LZW)]
    [InlineData(8, 1, Compression.NONE)]
    [InlineData(8, 3, Compression.ADOBE_DEFLATE)]
    public void Gray_and_rgb_tiffs_of_8_and_16_bits_are_read(int bits, int samples, Compression compression)
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(40, 24, bits, samples, compression)), "scan.tif");
        Assert.Equal(40, decoded.Image.Width);
        Assert.Equal(24, decoded.Image.Height);
        Assert.Equal(bits == 16, decoded.Deep is not null);
        Assert.Empty(decoded.Notes);
        int expected = Value(39, 0, 0, 40, bits);
        byte red = decoded.Image.Row(0)[4 * 39 + 2];
        Assert.Equal(bits == 16 ? (expected * 255 + 32767) / 65535 : expected, red);
        if (bits == 16 && samples == 1) Assert.Equal(expected, decoded.Deep!.Gray[39]);
    }

    [Fact]
    public void A_multi_page_tiff_gives_its_first_page_and_a_notice()
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(32, 16, 8, 1, Compression.LZW, pages: 3)), "book.tif");
        Assert.Equal(32, decoded.Image.Width);
        var note = Assert.Single(decoded.Notes);
        Assert.Contains("3 pages", note);
        Assert.Contains("only the first", note);
    }

    [Fact]
    public void A_tiled_tiff_is_read_through_the_rgba_reader()
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(32, 32, 8, 3, Compression.ADOBE_DEFLATE, tiled: true)), "tiles.tif");
        Assert.Equal(Value(20, 5, 0, 32, 8), decoded.Image.Row(5)[4 * 20 + 2]);
    }

    [Fact]
    public void A_cut_tiff_is_damaged_not_a_crash()
    {
        var bytes = Tiff(64, 64, 16, 1, Compression.NONE);
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(new MemoryStream(bytes[..(bytes.Length / 2)]), "cut.tif"));
        Assert.Contains("cut.tif", e.Message);
    }

    /// <summary>Reads back our 16-bit PNG (filter Up, one IDAT) as R, G, B samples.</summary>
    private static ushort[] ReadPng16(byte[] png, out int width, out int height)
    {
        width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        Assert.Equal(16, png[24]);
        Assert.Equal(2, png[25]);
        int idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT"u8.ToArray(), png[37..41]);
        using var z = new ZLibStream(new MemoryStream(png, 41, idatLength), CompressionMode.Decompress);
        int rowBytes = width * 6;
        var previous = new byte[rowBytes];
        var samples = new ushort[width * height * 3];
        var row = new byte[rowBytes + 1];
        for (int y = 0; y < height; y++)
        {
            z.ReadExactly(row);
            Assert.Equal(2, row[0]);
            for (int i = 0; i < rowBytes; i++) previous[i] = (byte)(row[i + 1] + previous[i]);
            for (int i = 0; i < width * 3; i++) samples[y * width * 3 + i] = BinaryPrimitives.ReadUInt16BigEndian(previous.AsSpan(2 * i));
        }
        return samples;
    }

    [Fact]
    public void A_16_bit_gray_source_is_saved_as_a_16_bit_png_with_its_levels_kept()
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(50, 20, 16, 1, Compression.LZW)), "scan.tif");
        string path = _dir.File("out.png");
        ImageCodec.Save(decoded.Image, path, deep: decoded.Deep); // the 8-bit image unchanged: gray stays gray
        var samples = ReadPng16(File.ReadAllBytes(path), out int w, out int h);
        int worst = 0;
        for (int i = 0; i < w * h; i++)
            for (int c = 0; c < 3; c++) worst = Math.Max(worst, Math.Abs(samples[3 * i + c] - decoded.Deep!.Gray[i]));
        Assert.True(worst <= 1, $"a 16-bit level moved by {worst}");
        Assert.Equal(decoded.Image.Width, ImageCodec.Load(path).Width); // and it is a PNG others read
    }

    [Fact]
    public void A_colourised_16_bit_source_keeps_its_lightness_at_16_bits_and_takes_the_colour()
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(64, 16, 16, 1, Compression.ADOBE_DEFLATE)), "scan.tif");
        var colourised = decoded.Image.Clone();
        for (int y = 0; y < colourised.Height; y++) // a stand-in for the model: a warm tint, lightness kept at 8 bits
        {
            var row = colourised.Row(y);
            for (int o = 0; o < row.Length; o += 4)
            {
                double l = CieLab.FromSrgb(row[o + 2] / 255.0, row[o + 1] / 255.0, row[o] / 255.0).L;
                var (r, g, b) = CieLab.ToSrgb(l, 6, 12);
                row[o + 2] = (byte)Math.Round(255 * Math.Clamp(r, 0, 1));
                row[o + 1] = (byte)Math.Round(255 * Math.Clamp(g, 0, 1));
                row[o] = (byte)Math.Round(255 * Math.Clamp(b, 0, 1));
            }
        }
        string path = _dir.File("out.png");
        ImageCodec.Save(colourised, path, deep: decoded.Deep);
        var samples = ReadPng16(File.ReadAllBytes(path), out int w, out int h);
        double dl16 = 0, dl8 = 0, chroma = 0;
        for (int i = 0; i < w * h; i++)
        {
            double v = decoded.Deep!.Gray[i] / 65535.0;
            double source = CieLab.FromSrgb(v, v, v).L;
            var lab = CieLab.FromSrgb(samples[3 * i] / 65535.0, samples[3 * i + 1] / 65535.0, samples[3 * i + 2] / 65535.0);
            dl16 += Math.Abs(lab.L - source);
            var row = colourised.Row(i / w);
            int o = 4 * (i % w);
            dl8 += Math.Abs(CieLab.FromSrgb(row[o + 2] / 255.0, row[o + 1] / 255.0, row[o] / 255.0).L - source);
            chroma += Math.Sqrt(lab.A * lab.A + lab.B * lab.B);
        }
        dl16 /= w * h; dl8 /= w * h; chroma /= w * h;
        Assert.True(dl16 < 0.02, $"mean |dL*| at 16 bits {dl16}, at 8 bits {dl8}");
        Assert.True(dl16 < dl8 / 5, $"16 bits {dl16} vs 8 bits {dl8}: the 16-bit output should keep lightness far better");
        Assert.True(chroma > 10, $"mean chroma {chroma}: the colour should come from the colourised image");
    }

    [Fact]
    public void A_16_bit_source_is_saved_as_a_16_bit_tiff_and_reads_back()
    {
        var decoded = ImageCodec.LoadDecoded(new MemoryStream(Tiff(30, 12, 16, 1, Compression.LZW)), "scan.tif");
        string path = _dir.File("out.tif");
        ImageCodec.Save(decoded.Image, path, deep: decoded.Deep);
        var again = ImageCodec.LoadDecoded(path);
        Assert.NotNull(again.Deep);
        for (int i = 0; i < 30 * 12; i++) Assert.InRange(again.Deep!.Gray[i] - decoded.Deep!.Gray[i], -1, 1);
        ImageCodec.Save(decoded.Image, _dir.File("out8.tif")); // no deep: an 8-bit TIFF
        Assert.Null(ImageCodec.LoadDecoded(_dir.File("out8.tif")).Deep);
    }

    [Theory]
    [InlineData("HEIC", new byte[] { 0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h', (byte)'e', (byte)'i', (byte)'c', 0, 0, 0, 0 })]
    [InlineData("AVIF", new byte[] { 0, 0, 0, 0x1C, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'a', (byte)'v', (byte)'i', (byte)'f', 0, 0, 0, 0 })]
    [InlineData("JPEG 2000", new byte[] { 0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0 })]
    public void Formats_that_are_not_read_are_named_in_one_message(string format, byte[] head)
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageCodec.Load(new MemoryStream(head), "photo"));
        Assert.Contains($"is a {format} image", e.Message);
        Assert.Contains("reads PNG, JPEG, WebP, BMP and TIFF; HEIC, AVIF, JPEG 2000 and GIF are not supported", e.Message);
        Assert.DoesNotContain("not an image", e.Message);
    }
}

public sealed class Png16InputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_16_bit_gray_png_keeps_its_levels_through_a_16_bit_png_output()
    {
        // Written by our own 16-bit encoder from known levels, then read back as any 16-bit PNG is.
        int w = 40, h = 10;
        var levels = Enumerable.Range(0, w * h).Select(i => (ushort)(500 + 1601 * (i % w) + 3 * (i / w))).ToArray();
        var eight = new BgraImage(w, h);
        for (int i = 0; i < w * h; i++)
        {
            var px = eight.Row(i / w).Slice(4 * (i % w), 4);
            px[0] = px[1] = px[2] = (byte)((levels[i] * 255 + 32767) / 65535);
            px[3] = 255;
        }
        string source = _dir.File("scan16.png");
        using (var f = File.Create(source)) Png16Encoder.Encode(eight, new DeepLuminance(w, h, levels), f);

        var decoded = ImageCodec.LoadDecoded(source);
        Assert.NotNull(decoded.Deep);
        for (int i = 0; i < w * h; i++) Assert.InRange(decoded.Deep!.Gray[i] - levels[i], -1, 1);
        Assert.Null(ImageCodec.LoadDecoded(new MemoryStream(ImageCodecTests.Encode(eight, SkiaSharp.SKEncodedImageFormat.Png)), "8.png").Deep);
    }
}
