using System.Buffers.Binary;
using System.IO.Compression;

namespace PdnColorize.Imaging;

/// <summary>
/// A 16-bit RGB PNG (IHDR bit depth 16, colour type 2) for results whose source had 16 bits of luminance. Rows use
/// the Up filter, which suits photographic 16-bit data better than none and costs one subtraction a byte.
/// </summary>
public static class Png16Encoder
{
    public static void Encode(Core.Pixels.BgraImage colour, DeepLuminance deep, Stream destination)
    {
        destination.Write(PngChunks.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)colour.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)colour.Height);
        ihdr[8] = 16; // bits a sample
        ihdr[9] = 2;  // RGB
        PngChunks.Write(destination, "IHDR"u8, ihdr);

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            int rowBytes = colour.Width * 6;
            var rgb = new ushort[colour.Width * 3];
            var previous = new byte[rowBytes];
            var row = new byte[rowBytes];
            var filtered = new byte[rowBytes + 1];
            for (int y = 0; y < colour.Height; y++)
            {
                deep.Row16(colour, y, rgb);
                for (int i = 0; i < rgb.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(row.AsSpan(2 * i), rgb[i]);
                filtered[0] = 2; // Up
                for (int i = 0; i < rowBytes; i++) filtered[i + 1] = (byte)(row[i] - previous[i]);
                z.Write(filtered);
                (previous, row) = (row, previous);
            }
        }
        PngChunks.Write(destination, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        PngChunks.Write(destination, "IEND"u8, []);
    }
}
