using System.Buffers.Binary;
using System.IO.Compression;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Imaging;

/// <summary>
/// A PNG encoder that deflates strips of rows on several cores. Saving was the longest single step of a large job
/// (a 24 MP PNG took 0.8 s on the build box and 1.2-2.0 s on the GPU machine, on one thread: docs/performance.md).
/// Each strip is filtered and deflated on its own; every strip but the last ends with a sync flush (an empty stored
/// block that brings the stream to a byte boundary without ending it), so the pieces concatenate into one valid zlib
/// stream, the technique of pigz. A strip starts with an empty dictionary, which costs a few hundred bytes a strip.
/// The zlib checksum (Adler-32) of the whole stream is combined from the strips' own. The output is an ordinary PNG:
/// IHDR, the stream in several IDAT chunks (the zlib header, one per strip, the checksum), IEND.
/// </summary>
internal static class StripPngEncoder
{
    /// <summary>Rows per strip are chosen so a strip holds about this many filtered bytes.</summary>
    internal const int DefaultStripBytes = 4 << 20;

    /// <param name="opaque">True: RGB (colour type 2); false: RGBA (colour type 6, alpha not premultiplied).</param>
    /// <param name="level">zlib level 0..9.</param>
    /// <param name="threads">Strips deflated at once; 0 = every core.</param>
    /// <param name="stripBytes">Filtered bytes per strip (tests make it small to get many strips).</param>
    public static void Encode(BgraImage image, Stream destination, bool opaque, int level, int threads = 0, int stripBytes = DefaultStripBytes)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (level is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(level), $"zlib levels are 0..9; got {level}");
        int channels = opaque ? 3 : 4;
        long rowBytes = 1 + (long)image.Width * channels; // filter type + samples
        int rowsPerStrip = (int)Math.Clamp(stripBytes / rowBytes, 1, image.Height);
        int strips = (image.Height + rowsPerStrip - 1) / rowsPerStrip;
        var pieces = new Strip[strips];
        Parallel.For(0, strips, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
            s => pieces[s] = Deflate(image, channels, s * rowsPerStrip, Math.Min(image.Height, (s + 1) * rowsPerStrip), level,
                last: s == strips - 1));

        destination.Write(PngChunks.Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;                          // bits per sample
        header[9] = (byte)(opaque ? 2 : 6);     // truecolour, or truecolour with alpha
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        PngChunks.Write(destination, "IHDR"u8, header);
        PngChunks.Write(destination, "IDAT"u8, [0x78, 0x5E]); // zlib: deflate, 32 K window, "fast" levels, FCHECK
        uint adler = 1;
        foreach (var piece in pieces)
        {
            PngChunks.Write(destination, "IDAT"u8, piece.Data.AsSpan(0, piece.Length), piece.Crc);
            adler = Adler32.Combine(adler, piece.Adler, piece.FilteredBytes);
        }
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(checksum, adler);
        PngChunks.Write(destination, "IDAT"u8, checksum);
        PngChunks.Write(destination, "IEND"u8, []);
    }

    /// <summary>One strip's share of the zlib stream, the CRC of its IDAT chunk, and the Adler-32 of what it deflated.</summary>
    private sealed record Strip(byte[] Data, int Length, uint Crc, uint Adler, long FilteredBytes);

    private static Strip Deflate(BgraImage image, int channels, int y0, int y1, int level, bool last)
    {
        int width = image.Width, samples = width * channels;
        var previous = new byte[samples];
        var current = new byte[samples];
        var filtered = new byte[1 + samples];
        var scratch = new byte[1 + samples];
        if (y0 > 0) ToSamples(image.Row(y0 - 1), previous, channels); // filters look one row up, across the strip edge
        var output = new MemoryStream();
        uint adler = 1;
        long length;
        using (var deflate = new DeflateStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            for (int y = y0; y < y1; y++)
            {
                ToSamples(image.Row(y), current, channels);
                Filters.Best(current, previous, y == 0, channels, filtered, scratch);
                deflate.Write(filtered);
                adler = Adler32.Update(adler, filtered);
                (previous, current) = (current, previous);
            }
            // A sync flush ends the strip on a byte boundary without ending the stream; the empty final block that
            // disposing adds after it belongs only to the last strip.
            deflate.Flush();
            length = output.Length;
        }
        if (last) length = output.Length;
        var data = output.GetBuffer();
        uint crc = PngChunks.Crc("IDAT"u8, data.AsSpan(0, (int)length));
        return new Strip(data, (int)length, crc, adler, (long)(y1 - y0) * (1 + samples));
    }

    /// <summary>BGRA to RGB or RGBA samples.</summary>
    private static void ToSamples(ReadOnlySpan<byte> bgra, Span<byte> samples, int channels)
    {
        for (int i = 0, o = 0; o < samples.Length; i += 4, o += channels)
        {
            samples[o] = bgra[i + 2];
            samples[o + 1] = bgra[i + 1];
            samples[o + 2] = bgra[i];
            if (channels == 4) samples[o + 3] = bgra[i + 3];
        }
    }

    /// <summary>PNG's five row filters, and libpng's choice among them: the one whose output has the least sum of |signed byte|.</summary>
    internal static class Filters
    {
        /// <param name="filtered">Receives the filter type byte and the filtered samples of the chosen filter.</param>
        public static void Best(ReadOnlySpan<byte> row, ReadOnlySpan<byte> up, bool firstRow, int bpp, Span<byte> filtered, Span<byte> scratch)
        {
            long best = long.MaxValue;
            for (byte type = 0; type <= 4; type++)
            {
                if (firstRow && type is 2) continue; // "Up" over a row of zeros is "None"
                var target = best == long.MaxValue ? filtered : scratch;
                long cost = Apply(type, row, up, firstRow, bpp, target);
                if (cost < best)
                {
                    if (target != filtered) scratch.CopyTo(filtered);
                    best = cost;
                }
            }
        }

        /// <summary>Filters a row with one filter into <paramref name="output"/> (type byte first) and returns its cost.</summary>
        /// <remarks>One loop per filter (no switch per byte): filtering is most of the encoder's own work.</remarks>
        public static long Apply(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> up, bool firstRow, int bpp, Span<byte> output)
        {
            output[0] = type;
            var o = output[1..];
            int n = row.Length, lead = Math.Min(bpp, n);
            long cost = 0;
            switch (type)
            {
                case 0:
                    row.CopyTo(o);
                    break;
                case 1: // Sub: left
                    row[..lead].CopyTo(o);
                    for (int i = bpp; i < n; i++) o[i] = (byte)(row[i] - row[i - bpp]);
                    break;
                case 2: // Up: above
                    if (firstRow) row.CopyTo(o);
                    else for (int i = 0; i < n; i++) o[i] = (byte)(row[i] - up[i]);
                    break;
                case 3: // Average of left and above
                    if (firstRow)
                    {
                        row[..lead].CopyTo(o);
                        for (int i = bpp; i < n; i++) o[i] = (byte)(row[i] - (row[i - bpp] >> 1));
                    }
                    else
                    {
                        for (int i = 0; i < lead; i++) o[i] = (byte)(row[i] - (up[i] >> 1));
                        for (int i = bpp; i < n; i++) o[i] = (byte)(row[i] - ((row[i - bpp] + up[i]) >> 1));
                    }
                    break;
                default: // Paeth; on the first row it predicts from the left alone
                    if (firstRow)
                    {
                        row[..lead].CopyTo(o);
                        for (int i = bpp; i < n; i++) o[i] = (byte)(row[i] - row[i - bpp]);
                    }
                    else
                    {
                        for (int i = 0; i < lead; i++) o[i] = (byte)(row[i] - up[i]);
                        for (int i = bpp; i < n; i++) o[i] = (byte)(row[i] - Paeth(row[i - bpp], up[i], up[i - bpp]));
                    }
                    break;
            }
            foreach (byte v in o[..n]) cost += v < 128 ? v : 256 - v;
            return cost;
        }

        public static int Paeth(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
    }
}

/// <summary>Adler-32 (RFC 1950): running sums A = 1 + sum of bytes and B = sum of the A's, both mod 65521.</summary>
internal static class Adler32
{
    private const uint Base = 65521;
    private const int Block = 5552; // the most bytes before B can overflow 32 bits

    public static uint Update(uint adler, ReadOnlySpan<byte> data)
    {
        uint a = adler & 0xFFFF, b = adler >> 16;
        while (data.Length > 0)
        {
            int n = Math.Min(Block, data.Length);
            foreach (byte d in data[..n]) { a += d; b += a; }
            a %= Base; b %= Base;
            data = data[n..];
        }
        return (b << 16) | a;
    }

    /// <summary>
    /// The Adler-32 of S1 followed by S2 from theirs and S2's length. A = A1 + A2 - 1, and since each A-prefix inside
    /// S2 is A1 - 1 more than S2's own, B = B1 + B2 + len2 * (A1 - 1), all mod 65521.
    /// </summary>
    public static uint Combine(uint adler1, uint adler2, long length2)
    {
        ulong a1 = adler1 & 0xFFFF, b1 = adler1 >> 16, a2 = adler2 & 0xFFFF, b2 = adler2 >> 16;
        ulong n = (ulong)(length2 % Base);
        ulong a = (a1 + a2 + Base - 1) % Base;
        ulong b = (b1 + b2 + n * ((a1 + Base - 1) % Base)) % Base;
        return (uint)((b << 16) | a);
    }
}

/// <summary>CRC-32 as PNG uses it (polynomial 0xEDB88320, reflected), table-driven; callers start at and finish with 0xFFFFFFFF.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (byte d in data) crc = table[(crc ^ d) & 0xFF] ^ (crc >> 8);
        return crc;
    }
}
