using System.Diagnostics;
using PdnColorize.Core.Color;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Detail;

/// <summary>
/// Step 5 of a run (docs/architecture.md): the region's L* at the detail scale, cut into overlapping tiles, run through the model in
/// batches, each tile's chroma harmonised to the global pass, blended with raised-cosine weights that sum to 1.
/// Everything here lives on the detail grid (at most DetailScale * S on the long side), never at full resolution.
/// </summary>
public static class DetailPass
{
    /// <summary>The fused chroma on the detail grid and the time spent in the model.</summary>
    public sealed record Result(float[] A, float[] B, TimeSpan Inference);

    /// <param name="lightness">L* of the region on the plan's detail grid (area-resampled).</param>
    /// <param name="global">The global pass of the same region (its grid is upsampled to the detail grid as the guide colours).</param>
    public static Result Run(DetailPlan plan, float[] lightness, ChromaField global, IChromaModel model,
        ChromaHarmonization harmonization, DetailTuning tuning, CancellationToken cancellation, ITileObserver? observer = null)
    {
        int gw = plan.GridWidth, gh = plan.GridHeight;
        long cells = plan.GridCells;
        if (lightness.Length != cells) throw new ArgumentException($"lightness holds {lightness.Length} cells; the {gw}x{gh} grid needs {cells}");

        // Grid-sized temporaries come from the pool (fresh multi-megabyte arrays cost page faults every run).
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] gray = pool.Rent((int)cells), globalA = pool.Rent((int)cells), globalB = pool.Rent((int)cells);
        try
        {
            GrayOfLightness(lightness, gray.AsSpan(0, (int)cells));
            UpsampleGlobal(global, gw, gh, globalA, globalB);
            return Tiles(plan, gray, globalA, globalB, global, model, harmonization, tuning, observer, cancellation);
        }
        finally
        {
            pool.Return(gray); pool.Return(globalA); pool.Return(globalB);
        }
    }

    private static Result Tiles(DetailPlan plan, float[] gray, float[] globalA, float[] globalB, ChromaField global,
        IChromaModel model, ChromaHarmonization harmonization, DetailTuning tuning, ITileObserver? observer,
        CancellationToken cancellation)
    {
        int gw = plan.GridWidth, gh = plan.GridHeight;
        long cells = plan.GridCells;

        // Detail cells per global cell: the frequency split's low-pass is measured in global cells.
        double scale = (double)Math.Max(gw, gh) / Math.Max(global.GridWidth, global.GridHeight);
        double sigma = tuning.SplitSigma * Math.Max(1, scale);

        var fusedA = new float[cells];
        var fusedB = new float[cells];
        int ex = plan.X.Extent, ey = plan.Y.Extent, inW = plan.InputWidth, inH = plan.InputHeight;
        int inPlane = inW * inH, tileCells = ex * ey;
        var input = new float[plan.Batch * 3 * inPlane];
        var output = new float[plan.Batch * 2 * inPlane];
        var ta = new float[tileCells]; var tb = new float[tileCells];
        var tga = new float[tileCells]; var tgb = new float[tileCells];
        var wx = new float[ex]; var wy = new float[ey];
        var scratch = new float[2 * tileCells];
        var inference = TimeSpan.Zero;

        int tiles = plan.TileCount;
        for (int first = 0; first < tiles; first += plan.Batch)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(plan.Batch, tiles - first);
            for (int k = 0; k < count; k++)
                FillInput(plan, gray, first + k, input.AsSpan(k * 3 * inPlane, 3 * inPlane));

            // A padded last batch reruns earlier tiles' inputs in the spare slots and ignores their outputs.
            int run = plan.PadLastBatch ? plan.Batch : count;
            var clock = Stopwatch.StartNew();
            float[] batchInput = run == plan.Batch ? input : input[..(run * 3 * inPlane)];
            model.Predict(batchInput, run, inH, inW, output.AsSpan(0, run * 2 * inPlane), cancellation);
            inference += clock.Elapsed;
            var batchOutput = output.AsSpan(0, count * 2 * inPlane);
            GlobalChromaPass.CheckAndClamp(batchOutput, model);

            for (int k = 0; k < count; k++)
            {
                int index = first + k, tx = index % plan.X.Count, ty = index / plan.X.Count;
                var tile = plan.Tile(tx, ty);
                var outA = output.AsSpan(k * 2 * inPlane, inPlane);
                var outB = output.AsSpan(k * 2 * inPlane + inPlane, inPlane);
                for (int y = 0; y < ey; y++)
                {
                    outA.Slice(y * inW, ex).CopyTo(ta.AsSpan(y * ex, ex));
                    outB.Slice(y * inW, ex).CopyTo(tb.AsSpan(y * ex, ex));
                    globalA.AsSpan((tile.Y + y) * gw + tile.X, ex).CopyTo(tga.AsSpan(y * ex, ex));
                    globalB.AsSpan((tile.Y + y) * gw + tile.X, ex).CopyTo(tgb.AsSpan(y * ex, ex));
                }
                // Per tile: the affine fit by nature; the frequency split measured as well as splitting once on the
                // blended grid, and better on Garden (seam 1.29 against 1.34; docs/quality.md).
                if (harmonization == ChromaHarmonization.AffineFit)
                    Harmonizer.AffineFit(ta, tb, tga, tgb, tileCells, tuning.AffineRidge);
                else if (harmonization == ChromaHarmonization.FrequencySplit)
                    Harmonizer.FrequencySplit(ta, tb, tga, tgb, ex, ey, sigma, scratch);
                observer?.Harmonised(plan, tx, ty, ta, tb);
                plan.X.Weights(tx, wx);
                plan.Y.Weights(ty, wy);
                for (int y = 0; y < ey; y++)
                {
                    float w = wy[y];
                    if (w == 0f) continue;
                    var rowA = fusedA.AsSpan((tile.Y + y) * gw + tile.X, ex);
                    var rowB = fusedB.AsSpan((tile.Y + y) * gw + tile.X, ex);
                    var srcA = ta.AsSpan(y * ex, ex);
                    var srcB = tb.AsSpan(y * ex, ex);
                    for (int x = 0; x < ex; x++)
                    {
                        float wxy = w * wx[x];
                        rowA[x] += wxy * srcA[x];
                        rowB[x] += wxy * srcB[x];
                    }
                }
            }
        }
        BorderFade.Apply(fusedA, fusedB, globalA, globalB, gw, gh, tuning.BorderFade);
        return new Result(fusedA, fusedB, inference);
    }

    /// <summary>The global pass's chroma bilinearly on the detail grid (into a and b, at least gw * gh long).</summary>
    public static void UpsampleGlobal(ChromaField global, int gw, int gh, float[] a, float[] b)
    {
        var rows = new RowUpsampler(new UpsampleTaps(global.GridWidth, global.GridHeight, gw, gh, 0, gw, nearest: false), global.A, global.B);
        for (int y = 0; y < gh; y++)
        {
            rows.Sample(0, y, a.AsSpan(y * gw, gw));
            rows.Sample(1, y, b.AsSpan(y * gw, gw));
        }
    }

    /// <summary>Tile <paramref name="index"/> as the model's input: three equal gray planes, edge cells repeated past the grid.</summary>
    private static void FillInput(DetailPlan plan, float[] gray, int index, Span<float> input)
    {
        int tx = index % plan.X.Count, ty = index / plan.X.Count;
        var tile = plan.Tile(tx, ty);
        int inW = plan.InputWidth, inH = plan.InputHeight, plane = inW * inH, gw = plan.GridWidth;
        var first = input[..plane];
        for (int y = 0; y < inH; y++)
        {
            int gy = tile.Y + Math.Min(y, tile.Height - 1);
            var dst = first.Slice(y * inW, inW);
            gray.AsSpan(gy * gw + tile.X, tile.Width).CopyTo(dst);
            if (tile.Width < inW) dst[tile.Width..].Fill(dst[tile.Width - 1]);
        }
        first.CopyTo(input.Slice(plane, plane));
        first.CopyTo(input.Slice(2 * plane, plane));
    }

    private static readonly float[] GrayTable = BuildGrayTable();
    private const int GraySteps = 4096;

    /// <summary>sRGB gray of L* through a 4097-entry table with linear interpolation (error below 1e-5).</summary>
    internal static void GrayOfLightness(ReadOnlySpan<float> l, Span<float> gray)
    {
        const float scale = GraySteps / 100f;
        for (int i = 0; i < l.Length; i++)
        {
            float u = Math.Clamp(l[i], 0f, 100f) * scale;
            int k = Math.Min((int)u, GraySteps - 1);
            float f = u - k;
            gray[i] = GrayTable[k] + f * (GrayTable[k + 1] - GrayTable[k]);
        }
    }

    private static float[] BuildGrayTable()
    {
        var t = new float[GraySteps + 1];
        for (int k = 0; k <= GraySteps; k++) t[k] = (float)CieLab.GrayFromL(k * 100.0 / GraySteps);
        return t;
    }
}
