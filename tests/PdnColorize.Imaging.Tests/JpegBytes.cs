using System.Buffers.Binary;

namespace PdnColorize.Imaging.Tests;

/// <summary>Edits JPEG byte streams: inserts an EXIF orientation, rewrites the size a frame header declares.</summary>
internal static class JpegBytes
{
    /// <summary>
    /// Inserts an APP1 "Exif" segment right after SOI holding a TIFF header and one IFD0 entry: Orientation (0x0112,
    /// SHORT, count 1). <paramref name="bigEndian"/> picks "MM" or "II" byte order.
    /// </summary>
    public static byte[] WithOrientation(byte[] jpeg, int orientation, bool bigEndian)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new ArgumentException("not a JPEG");
        var tiff = new byte[8 + 2 + 12 + 4];
        void U16(int at, int v) { if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v); }
        void U32(int at, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), v); }
        tiff[0] = tiff[1] = bigEndian ? (byte)'M' : (byte)'I';
        U16(2, 42);
        U32(4, 8);            // IFD0 right after the header
        U16(8, 1);            // one entry
        U16(10, 0x0112);      // Orientation
        U16(12, 3);           // SHORT
        U32(14, 1);           // count
        U16(18, orientation); // value, left-justified in the 4-byte field
        U32(22, 0);           // no next IFD

        byte[] exifId = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        int segmentLength = 2 + exifId.Length + tiff.Length;
        using var o = new MemoryStream();
        o.Write(jpeg, 0, 2);
        o.Write([0xFF, 0xE1, (byte)(segmentLength >> 8), (byte)segmentLength]);
        o.Write(exifId);
        o.Write(tiff);
        o.Write(jpeg, 2, jpeg.Length - 2);
        return o.ToArray();
    }

    /// <summary>Rewrites the width and height of the first SOFn frame header (a decompression bomb's claim).</summary>
    public static byte[] WithDeclaredSize(byte[] jpeg, ushort width, ushort height)
    {
        var copy = (byte[])jpeg.Clone();
        int i = 2;
        while (i + 4 < copy.Length)
        {
            if (copy[i] != 0xFF) throw new InvalidDataException($"no marker at {i}");
            byte marker = copy[i + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(i + 2));
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), width);
                return copy;
            }
            i += 2 + length;
        }
        throw new InvalidDataException("no frame header");
    }
}
