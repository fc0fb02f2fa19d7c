using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Detail;

/// <summary>
/// How the detail pass covers a region: a grid of <see cref="GridWidth"/> x <see cref="GridHeight"/> cells over the
/// region (the detail scale), tiled by <see cref="X"/> x <see cref="Y"/>, each tile fed to the model as an
/// <see cref="InputWidth"/> x <see cref="InputHeight"/> image (edge cells repeated where a tile is narrower than the
/// input), <see cref="Batch"/> tiles per call.
/// </summary>
public sealed record DetailPlan(
    PixelRect Region, int GridWidth, int GridHeight, AxisTiling X, AxisTiling Y, int InputWidth, int InputHeight, int Batch)
{
    public int TileCount => X.Count * Y.Count;

    /// <summary>The last call runs a full batch even when fewer tiles are left (one input shape on a GPU).</summary>
    public bool PadLastBatch { get; init; }

    /// <summary>Model calls the pass makes.</summary>
    public int Calls => (TileCount + Batch - 1) / Batch;

    /// <summary>Grid cells of the detail grid.</summary>
    public long GridCells => (long)GridWidth * GridHeight;

    /// <summary>
    /// Host memory the pass allocates: about 14 float planes of the detail grid (L, gray, global ab, fused ab, guided
    /// coefficients and their scratch) and the batch's model input and output with per-tile scratch.
    /// </summary>
    public long HostBytes => 4 * (14 * GridCells + (long)Batch * 5 * InputWidth * InputHeight + 8L * X.Extent * Y.Extent);

    /// <summary>The grid rectangle of tile (tx, ty).</summary>
    public PixelRect Tile(int tx, int ty) =>
        new((int)X.Start(tx), (int)Y.Start(ty), X.Extent, Y.Extent);

    /// <summary>Internal tile edges along x, in image pixels (region x + edge * region width / grid width).</summary>
    public IReadOnlyList<double> TileEdgesX => Edges(X, Region.X, Region.Width, GridWidth);

    public IReadOnlyList<double> TileEdgesY => Edges(Y, Region.Y, Region.Height, GridHeight);

    /// <summary>Centres of the blend ramps along x, in image pixels: where a naive stitch would cut.</summary>
    public IReadOnlyList<double> RampCentresX => Centres(X, Region.X, Region.Width, GridWidth);

    public IReadOnlyList<double> RampCentresY => Centres(Y, Region.Y, Region.Height, GridHeight);

    public override string ToString() =>
        $"{TileCount} tiles ({X.Count}x{Y.Count}) of {X.Extent}x{Y.Extent} on a {GridWidth}x{GridHeight} grid, overlap >= {X.AskedOverlap}, batch {Batch}";

    private static List<double> Edges(AxisTiling axis, int origin, int pixels, int cells)
    {
        var set = new SortedSet<long>();
        for (int i = 0; i < axis.Count; i++)
        {
            if (axis.Start(i) > 0) set.Add(axis.Start(i));
            if (axis.End(i) < axis.Length) set.Add(axis.End(i));
        }
        return set.Select(e => origin + e * (double)pixels / cells).ToList();
    }

    private static List<double> Centres(AxisTiling axis, int origin, int pixels, int cells)
    {
        var list = new List<double>();
        for (int i = 0; i + 1 < axis.Count; i++)
            list.Add(origin + (axis.RampStart(i) + axis.RampAfter(i) / 2.0) * pixels / cells);
        return list;
    }
}

/// <summary>What <see cref="DetailMode"/> became for one region, and why (shown by hosts and the CLI).</summary>
public sealed record DetailReport(DetailMode Requested, DetailMode Chosen, string Reason)
{
    public DetailPlan? Plan { get; init; }

    public ChromaHarmonization Harmonization { get; init; }

    /// <summary>Time spent in the model for the tiles (the global pass is timed on the field).</summary>
    public TimeSpan TileInferenceTime { get; init; }

    /// <summary>The tiles' shape the global pass ran at (GPU jobs that tile); null = its own shape.</summary>
    public GlobalCanvas? GlobalCanvas { get; init; }

    public override string ToString() =>
        Chosen == DetailMode.Fine && Plan is { } p
            ? $"detail fine: {p}, {Harmonization}{(GlobalCanvas is { } c ? $", global pass at the tiles' shape {c}" : "")} ({Reason})"
            : $"detail global ({Reason})";
}
