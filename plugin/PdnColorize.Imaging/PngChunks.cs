using System.Buffers.Binary;

namespace PdnColorize.Imaging;

/// <summary>The PNG file signature and chunk framing (length, type, data, CRC-32 of type and data) our encoders share.</summary>
internal static class PngChunks
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The CRC-32 a chunk of <paramref name="type"/> holding <paramref name="data"/> ends with.</summary>
    public static uint Crc(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data) =>
        Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;

    public static void Write(Stream destination, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data) =>
        Write(destination, type, data, Crc(type, data));

    /// <summary>Writes a chunk whose CRC was computed already (the strip encoder forms it on the worker that deflated).</summary>
    public static void Write(Stream destination, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data, uint crc)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        destination.Write(word);
        destination.Write(type);
        destination.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        destination.Write(word);
    }
}
