using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Imaging.Tests;

/// <summary>The strip-parallel PNG encoder: what libpng (through Skia) decodes must be the pixels, exactly.</summary>
public sealed class StripPngEncoderTests
{
    private static BgraImage Random(int w, int h, bool alpha, int seed)
    {
        var img = new BgraImage(w, h);
        var rnd = new Random(seed);
        for (int y = 0; y < h; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < w; x++)
            {
                // smooth plus noise, so every filter gets chosen somewhere
                row[4 * x] = (byte)(x * 3 + rnd.Next(8)); row[4 * x + 1] = (byte)(y * 5 + rnd.Next(8));
                row[4 * x + 2] = (byte)(x + y + rnd.Next(40)); row[4 * x + 3] = alpha ? (byte)rnd.Next(256) : (byte)255;
            }
        }
        return img;
    }

    /// <summary>Through the product's own loader (Skia's PNG decoder), which refuses bad CRCs and streams.</summary>
    private static BgraImage Decode(byte[] png) => ImageCodec.Load(new MemoryStream(png), "strip.png");

    private static byte[] Encode(BgraImage img, bool opaque, int threads, int stripBytes)
    {
        var ms = new MemoryStream();
        StripPngEncoder.Encode(img, ms, opaque, level: 3, threads, stripBytes);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(1, 5)]
    [InlineData(257, 131)]
    public void Decodes_to_the_same_pixels_in_one_strip_and_in_many(int w, int h)
    {
        foreach (bool alpha in new[] { false, true })
        {
            var img = Random(w, h, alpha, seed: w * 31 + h);
            foreach (int stripBytes in new[] { StripPngEncoder.DefaultStripBytes, 1 }) // one strip; a strip per row
            {
                var decoded = Decode(Encode(img, opaque: !alpha, threads: 4, stripBytes));
                Assert.Equal((w, h), (decoded.Width, decoded.Height));
                for (int y = 0; y < h; y++) Assert.True(img.Row(y).SequenceEqual(decoded.Row(y)), $"row {y} differs ({w}x{h}, alpha {alpha}, strip {stripBytes})");
            }
        }
    }

    [Fact]
    public void The_zlib_stream_and_its_checksum_are_whole_across_strips()
    {
        // Concatenate the IDAT payloads, inflate with .NET's zlib reader (which checks Adler-32 at the end) and
        // undo the filters: the samples must come back.
        var img = Random(97, 60, alpha: false, seed: 5);
        var png = Encode(img, opaque: true, threads: 3, stripBytes: 900); // 3 rows a strip: 20 strips
        var idat = new MemoryStream();
        int crcChecked = 0;
        for (int pos = 8; pos < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(png.AsSpan(pos + 4, 4 + length)), crc);
            crcChecked++;
            if (type == "IDAT") idat.Write(png, pos + 8, length);
            pos += 12 + length;
        }
        Assert.True(crcChecked >= 23); // IHDR, zlib header, 20 strips, checksum, IEND
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var bytes = raw.ToArray();
        int stride = 1 + 97 * 3;
        Assert.Equal(60 * stride, bytes.Length);
        var prev = new byte[97 * 3];
        for (int y = 0; y < 60; y++)
        {
            var line = bytes.AsSpan(y * stride, stride);
            var cur = new byte[97 * 3];
            for (int i = 0; i < cur.Length; i++)
            {
                int a = i >= 3 ? cur[i - 3] : 0, b = prev[i], c = i >= 3 ? prev[i - 3] : 0;
                int pred = line[0] switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) >> 1, 4 => StripPngEncoder.Filters.Paeth(a, b, c), _ => throw new InvalidDataException("filter") };
                cur[i] = (byte)(line[1 + i] + pred);
            }
            var row = img.Row(y);
            for (int x = 0; x < 97; x++) Assert.Equal((row[4 * x + 2], row[4 * x + 1], row[4 * x]), (cur[3 * x], cur[3 * x + 1], cur[3 * x + 2]));
            prev = cur;
        }
    }

    [Fact]
    public void Adler32_of_two_pieces_combines_to_that_of_the_whole()
    {
        Gen.Byte.Array[0, 20000].Select(Gen.Int[0, 20000]).Sample(t =>
        {
            var (data, cut) = t;
            cut = Math.Min(cut, data.Length);
            uint whole = Adler32.Update(1, data);
            uint combined = Adler32.Combine(Adler32.Update(1, data.AsSpan(0, cut)), Adler32.Update(1, data.AsSpan(cut)), data.Length - cut);
            Assert.Equal(whole, combined);
        });
    }
}
