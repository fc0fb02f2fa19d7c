using System.Buffers.Binary;
using System.IO.Compression;

namespace PdnColorize.Imaging;

/// <summary>
/// The 16-bit samples of a PNG, for its luminance: Skia decodes 16-bit PNGs only to 8 bits or to half floats (11
/// significant bits) here, so the gray levels are read from the file itself. Non-interlaced 16-bit gray, gray+alpha,
/// RGB and RGBA only; anything else (and any surprise) gives null, and the 8-bit decode stands alone. Runs after
/// Skia has decoded the same file whole, so damage has already been reported.
/// </summary>
public static class Png16Reader
{
    public static DeepLuminance? Read(Stream stream, long start)
    {
        try
        {
            stream.Position = start;
            var head = new byte[8];
            stream.ReadExactly(head);
            using var idat = new MemoryStream();
            int width = 0, height = 0, channels = 0;
            var word = new byte[8];
            while (true)
            {
                stream.ReadExactly(word);
                int length = BinaryPrimitives.ReadInt32BigEndian(word);
                string type = System.Text.Encoding.ASCII.GetString(word, 4, 4);
                if (length < 0 || length > stream.Length - stream.Position) return null;
                var data = new byte[length];
                stream.ReadExactly(data);
                stream.Position += 4; // CRC: Skia checked it
                if (type == "IHDR")
                {
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
                    channels = data[9] switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                    if (data[8] != 16 || channels == 0 || data[12] != 0) return null; // not 16-bit, paletted, or interlaced
                }
                else if (type == "IDAT") idat.Write(data);
                else if (type == "IEND") break;
            }
            if (width <= 0 || height <= 0) return null;

            int bpp = 2 * channels, rowBytes = width * bpp;
            var gray = new ushort[(long)width * height];
            var previous = new byte[rowBytes];
            var row = new byte[rowBytes];
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            var filter = new byte[1];
            for (int y = 0; y < height; y++)
            {
                z.ReadExactly(filter);
                z.ReadExactly(row);
                Unfilter(filter[0], row, previous, bpp);
                for (int x = 0; x < width; x++)
                {
                    int o = x * bpp;
                    double Sample(int c) => BinaryPrimitives.ReadUInt16BigEndian(row.AsSpan(o + 2 * c)) / 65535.0;
                    gray[(long)y * width + x] = channels <= 2
                        ? BinaryPrimitives.ReadUInt16BigEndian(row.AsSpan(o))
                        : DeepLuminance.GrayOf(Sample(0), Sample(1), Sample(2));
                }
                (previous, row) = (row, previous);
            }
            return new DeepLuminance(width, height, gray);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            return null;
        }
    }

    private static void Unfilter(byte type, byte[] row, byte[] up, int bpp)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
            row[i] = type switch
            {
                0 => row[i],
                1 => (byte)(row[i] + a),
                2 => (byte)(row[i] + b),
                3 => (byte)(row[i] + ((a + b) >> 1)),
                4 => (byte)(row[i] + Paeth(a, b, c)),
                _ => throw new InvalidDataException("unknown PNG filter"),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
