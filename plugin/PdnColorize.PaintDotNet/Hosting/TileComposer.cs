using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>Selection coverage of one host tile.</summary>
public readonly record struct TileCoverage(bool Nothing, SelectionMask? Partial)
{
    public static TileCoverage Everything => new(false, null);

    /// <summary>Reads 8-bit coverage rows (tile-local, <paramref name="stride"/> bytes apart).</summary>
    public static TileCoverage Read(ReadOnlySpan<byte> rows, int stride, int width, int height)
    {
        bool any = false, all = true;
        for (int y = 0; y < height && (all || !any); y++)
        {
            var row = rows.Slice(y * stride, width);
            any |= row.IndexOfAnyExcept((byte)0) >= 0;
            all &= row.IndexOfAnyExcept((byte)255) < 0;
        }
        if (!any) return new(true, null);
        if (all) return Everything;
        var coverage = new byte[(long)width * height];
        for (int y = 0; y < height; y++) rows.Slice(y * stride, width).CopyTo(coverage.AsSpan(y * width, width));
        return new(false, new SelectionMask(new PixelRect(0, 0, width, height), coverage));
    }
}

/// <summary>Writes one host tile: the model's colours by coverage inside the selection, the source bit for bit elsewhere.</summary>
public static class TileComposer
{
    /// <param name="source">The document's pixels of <paramref name="tile"/> (tile-local).</param>
    /// <param name="destination">The host's output buffer for <paramref name="tile"/>.</param>
    /// <param name="chroma">The model's answer in document coordinates; null = leave the tile as the source.</param>
    public static void Compose(BgraImage source, BgraImage destination, PixelRect tile, ChromaField? chroma,
        TileCoverage coverage, double strength, CancellationToken cancellation)
    {
        if (chroma is null || coverage.Nothing || strength == 0)
        {
            CopyAll(source, destination);
            return;
        }
        var r = chroma.Region;
        var local = chroma with { Region = new PixelRect(r.X - tile.X, r.Y - tile.Y, r.Width, r.Height) };
        ChromaComposer.Compose(source, destination, local, coverage.Partial, strength, null, threads: 1, cancellation);
    }

    public static void CopyAll(BgraImage source, BgraImage destination)
    {
        for (int y = 0; y < source.Height; y++) source.Row(y).CopyTo(destination.Row(y));
    }
}
