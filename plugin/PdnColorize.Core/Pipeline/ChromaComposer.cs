using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Pipeline;

/// <summary>
/// Steps 6-8 of a run (docs/architecture.md): the ab grid upsampled to full resolution, merged with the source's own L*, strength applied,
/// Lab -> sRGB, written by selection coverage with alpha kept. Streams rows in bands, so memory stays a few rows.
/// </summary>
public static class ChromaComposer
{
    private const int BandRows = 32;

    /// <param name="source">The original pixels; never modified unless it is also <paramref name="destination"/>.</param>
    /// <param name="destination">Same size as the source; may be the source itself (in-place).</param>
    /// <param name="mask">The selection, or null for all pixels of the region.</param>
    /// <param name="area">Only these destination pixels are written (a host's render tile); null = the whole image.</param>
    public static void Compose(BgraImage source, BgraImage destination, ChromaField chroma, SelectionMask? mask,
        double strength, PixelRect? area = null, int threads = 0, CancellationToken cancellation = default)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"destination is {destination.Width}x{destination.Height}; the source is {source.Width}x{source.Height}");
        if (!(strength >= 0 && strength <= 2)) throw new ArgumentOutOfRangeException(nameof(strength), $"strength must lie in 0..2; got {strength}");
        var write = (area ?? source.Bounds).Intersect(source.Bounds);
        if (write.IsEmpty) return;
        bool inPlace = source.SharesMemoryWith(destination);

        // Pixels that change: inside the write area, the model's region and the selection's bounds.
        var active = write.Intersect(chroma.Region);
        if (mask is not null) active = active.Intersect(mask.Bounds);
        if (strength == 0) active = default; // strength 0 is the input, bit for bit

        if (!inPlace) CopyOutside(source, destination, write, active);
        if (active.IsEmpty) return;

        // Where each active column reads the grid: built once, shared by the threads.
        var upsampling = chroma.EffectiveUpsampling;
        var taps = new UpsampleTaps(chroma.GridWidth, chroma.GridHeight, chroma.Region.Width, chroma.Region.Height,
            active.X - chroma.Region.X, active.Width, nearest: upsampling == ChromaUpsampling.Nearest);
        var coefficients = upsampling == ChromaUpsampling.Guided ? chroma.FitGuided() : null;
        int bands = (active.Height + BandRows - 1) / BandRows;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
            CancellationToken = cancellation,
        };
        Parallel.For(0, bands, options,
            () => new RowBuffers(active.Width, RowChroma.For(chroma, taps, coefficients)),
            (band, _, buffers) =>
            {
                int y0 = active.Y + band * BandRows, y1 = Math.Min(active.Bottom, y0 + BandRows);
                for (int y = y0; y < y1; y++)
                    ComposeRow(source, destination, chroma, mask, (float)strength, active, y, buffers);
                return buffers;
            },
            _ => { });
    }

    private sealed class RowBuffers(int width, RowChroma chroma)
    {
        public readonly float[] L = new float[width], A = new float[width], B = new float[width];
        public readonly float[] ModelA = new float[width], ModelB = new float[width];
        public readonly RowChroma Chroma = chroma;
    }

    /// <summary>The model's chroma of one full-resolution row, by the field's upsampling (one per thread: it caches stretched grid rows).</summary>
    private sealed class RowChroma
    {
        private readonly RowUpsampler? _plain;
        private readonly GuidedSampler? _guided;

        private RowChroma(RowUpsampler? plain, GuidedSampler? guided) { _plain = plain; _guided = guided; }

        public static RowChroma For(ChromaField chroma, UpsampleTaps taps, GuidedCoefficients? coefficients) =>
            coefficients is not null
                ? new RowChroma(null, new GuidedSampler(coefficients, chroma.A, chroma.B, chroma.Guide!, taps, GlobalChromaPass.AbLimit))
                : new RowChroma(new RowUpsampler(taps, chroma.A, chroma.B), null);

        /// <summary>Fills ma, mb for region row ry over the active columns; l holds the row's L* (used by guided only).</summary>
        public void Sample(int ry, ReadOnlySpan<float> l, Span<float> ma, Span<float> mb)
        {
            if (_guided is not null) _guided.SampleRow(ry, l, ma, mb);
            else
            {
                _plain!.Sample(0, ry, ma);
                _plain.Sample(1, ry, mb);
            }
        }
    }

    private static void ComposeRow(BgraImage source, BgraImage destination, ChromaField chroma,
        SelectionMask? mask, float strength, PixelRect active, int y, RowBuffers buf)
    {
        int x0 = active.X, n = active.Width;
        var src = source.Row(y, x0, n);
        var l = buf.L.AsSpan(0, n); var a = buf.A.AsSpan(0, n); var b = buf.B.AsSpan(0, n);
        var ma = buf.ModelA.AsSpan(0, n); var mb = buf.ModelB.AsSpan(0, n);
        int ry = y - chroma.Region.Y;
        var sampler = buf.Chroma;

        if (strength == 1f)
        {
            // The usual case needs no source chroma: L* from the source, ab from the model.
            LabRow.LightnessFromBgra(src, l);
            sampler.Sample(ry, l, a, b);
        }
        else if (strength < 1f)
        {
            // (1 - s) * source chroma + s * model chroma
            LabRow.FromBgra(src, l, a, b);
            sampler.Sample(ry, l, ma, mb);
            TensorPrimitives.Lerp(a, ma, strength, a);
            TensorPrimitives.Lerp(b, mb, strength, b);
        }
        else
        {
            LabRow.LightnessFromBgra(src, l);
            sampler.Sample(ry, l, ma, mb);
            TensorPrimitives.Multiply(ma, strength, a);
            TensorPrimitives.Multiply(mb, strength, b);
        }
        var dst = destination.Row(y, x0, n);
        if (mask is null)
        {
            LabRow.ToBgra(l, a, b, src, dst);
            return;
        }
        LabRow.ToEncodeIndicesInPlace(l, a, b); // l, a, b now hold encode-table indices of R, G, B
        var ir = MemoryMarshal.Cast<float, int>(l);
        var ig = MemoryMarshal.Cast<float, int>(a);
        var ib = MemoryMarshal.Cast<float, int>(b);
        var coverage = mask.Row(y).Slice(x0 - mask.Bounds.X, n);
        for (int i = 0, o = 0; i < n; i++, o += 4)
        {
            int c = coverage[i];
            byte nb = LabRow.EncodeIndex(ib[i]), ng = LabRow.EncodeIndex(ig[i]), nr = LabRow.EncodeIndex(ir[i]);
            byte sb = src[o], sg = src[o + 1], sr = src[o + 2], sa = src[o + 3];
            if (c == 255)
            {
                dst[o] = nb; dst[o + 1] = ng; dst[o + 2] = nr;
            }
            else
            {
                dst[o] = Mix(sb, nb, c); dst[o + 1] = Mix(sg, ng, c); dst[o + 2] = Mix(sr, nr, c);
            }
            dst[o + 3] = sa;
        }
    }

    /// <summary>src*(255-c)/255 + new*c/255, rounded; c = 0 gives src exactly.</summary>
    private static byte Mix(byte src, byte fresh, int c) => (byte)((src * (255 - c) + fresh * c + 127) / 255);

    /// <summary>Copies the write area, except the active rectangle, from source to destination.</summary>
    private static void CopyOutside(BgraImage source, BgraImage destination, PixelRect write, PixelRect active)
    {
        for (int y = write.Y; y < write.Bottom; y++)
        {
            if (active.IsEmpty || y < active.Y || y >= active.Bottom)
            {
                source.Row(y, write.X, write.Width).CopyTo(destination.Row(y, write.X, write.Width));
                continue;
            }
            if (active.X > write.X)
                source.Row(y, write.X, active.X - write.X).CopyTo(destination.Row(y, write.X, active.X - write.X));
            if (write.Right > active.Right)
                source.Row(y, active.Right, write.Right - active.Right).CopyTo(destination.Row(y, active.Right, write.Right - active.Right));
        }
    }
}
