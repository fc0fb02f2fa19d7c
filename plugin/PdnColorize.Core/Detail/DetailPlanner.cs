using System.Globalization;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Detail;

/// <summary>The planner's answer: the mode that runs, why, and the tiles when it is the detail pass.</summary>
public sealed record DetailDecision(DetailMode Chosen, string Reason, DetailPlan? Plan);

/// <summary>
/// Chooses the detail scale and the tiles for a region (docs/architecture.md, step 5), and decides whether
/// <see cref="DetailMode.Auto"/> runs the detail pass. Pure arithmetic: nothing the size of the region is allocated,
/// so it is tested on regions up to 65535 x 65535 (and axes far longer, through <see cref="AxisTiling"/>).
/// </summary>
public static class DetailPlanner
{
    /// <summary>
    /// Auto runs the detail pass when the region's long side is at least this many model sizes, unless the device's
    /// capacity sets its own threshold (<see cref="DetailCapacity.AutoMinRatio"/>: 6x on the CPU).
    /// </summary>
    public const double AutoMinRatio = 3.0;

    /// <summary>
    /// The detail grid for a region: aspect kept, long side min(region's long side, scale * S), short side at least 1.
    /// </summary>
    public static (int Width, int Height) DetailGrid(PixelRect region, int modelSize, double scale)
    {
        if (region.IsEmpty) throw new ArgumentException("the region is empty");
        int longSide = Math.Max(region.Width, region.Height);
        long cap = Math.Max(1, (long)Math.Floor(scale * modelSize));
        if (longSide <= cap) return (region.Width, region.Height);
        double f = (double)cap / longSide;
        int w = region.Width >= region.Height ? (int)cap : (int)Math.Clamp(Math.Round(region.Width * f), 1, cap);
        int h = region.Height > region.Width ? (int)cap : (int)Math.Clamp(Math.Round(region.Height * f), 1, cap);
        return (w, h);
    }

    /// <summary>The tiles over a detail grid for one device capacity. Fixed-size models always get S x S inputs.</summary>
    /// <param name="tileShape">Dynamic models: tiles of this width x height (multiples of 32) instead of the capacity's
    /// squares, when no larger than them (the capacity's batch was admitted for its tile size); see
    /// <see cref="Pipeline.GlobalCanvas.TilesTakeGlobalGrid"/>.</param>
    public static DetailPlan Plan(PixelRect region, int gridWidth, int gridHeight, int modelSize, bool dynamicSize,
        DetailCapacity capacity, int? overlap, (int Width, int Height)? tileShape = null)
    {
        capacity.Validate();
        int tile = dynamicSize ? Math.Max(32, capacity.TileSize / 32 * 32) : modelSize;
        int tileW = tile, tileH = tile;
        if (dynamicSize && tileShape is { } shape && FitsIn(shape, tile)) (tileW, tileH) = shape;
        var x = Axis(gridWidth, tileW, overlap);
        var y = Axis(gridHeight, tileH, overlap);
        int inW = dynamicSize ? RoundUp32(x.Extent) : modelSize;
        int inH = dynamicSize ? RoundUp32(y.Extent) : modelSize;
        long tiles = (long)x.Count * y.Count;
        // As few calls as the capacity allows, spread evenly (15 tiles at most 7 per call: 5+5+5, not 7+7+1): on a GPU
        // every change of input shape makes ORT set its convolutions up again (H200, embedded model: 378 ms for a run
        // right after another shape against 2.3 ms), so one shape is best.
        long calls = Math.Max(1, (tiles + capacity.MaxBatch - 1) / capacity.MaxBatch);
        int batch = (int)Math.Clamp((tiles + calls - 1) / calls, 1, capacity.MaxBatch);
        return new DetailPlan(region, gridWidth, gridHeight, x, y, inW, inH, batch) { PadLastBatch = capacity.PadLastBatch };
    }

    /// <summary>What runs for this region and why.</summary>
    /// <param name="availableBytes">Host memory the runtime says is free (for the default budget); null = ask the GC.</param>
    /// <param name="tileShape">Dynamic models: the tiles' shape when it should be other than the capacity's squares (<see cref="Plan"/>).</param>
    public static DetailDecision Decide(PixelRect region, int modelSize, bool dynamicSize, ColorizeSettings settings,
        IDetailCapacity capacity, long? availableBytes = null, (int Width, int Height)? tileShape = null)
    {
        var inv = CultureInfo.InvariantCulture;
        if (settings.Detail == DetailMode.Global) return new(DetailMode.Global, "asked for", null);

        int longSide = Math.Max(region.Width, region.Height);
        double ratio = (double)longSide / modelSize;
        string size = $"{region.Width}x{region.Height}";
        var (gw, gh) = DetailGrid(region, modelSize, settings.DetailScale);
        if (Math.Max(gw, gh) <= modelSize)
            return new(DetailMode.Global, $"region {size} fits the model's {modelSize} px: tiles would add nothing", null);
        // Below the lowest threshold no device tiles in Auto, so the capacity is not asked (on a GPU asking can cost probe runs).
        if (settings.Detail == DetailMode.Auto && ratio < AutoMinRatio)
            return new(DetailMode.Global,
                string.Create(inv, $"region {size} is {ratio:F1}x the model's {modelSize} px; auto tiles from {AutoMinRatio:F0}x at the least"), null);
        var cap = capacity.Plan(new DetailCapacityRequest(modelSize, dynamicSize, gw, gh));
        if (settings.Detail == DetailMode.Auto && ratio < (cap?.AutoMinRatio ?? AutoMinRatio))
            return new(DetailMode.Global,
                string.Create(inv, $"region {size} is {ratio:F1}x the model's {modelSize} px; auto tiles from {cap?.AutoMinRatio ?? AutoMinRatio:F0}x on {capacity.Description}"), null);
        if (cap is null)
            return new(DetailMode.Global, $"{capacity.Description} cannot run tiles now", null);
        var plan = Plan(region, gw, gh, modelSize, dynamicSize, cap, settings.TileOverlap, tileShape);

        long budget = cap.HostBudgetBytes ?? (availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) / 4;
        if (plan.HostBytes > budget)
            return new(DetailMode.Global,
                string.Create(inv, $"tiles need {plan.HostBytes / 1048576.0:F0} MiB of host memory; the budget is {budget / 1048576.0:F0} MiB"), null);

        string why = settings.Detail == DetailMode.Fine
            ? "asked for"
            : string.Create(inv, $"region {size} is {ratio:F1}x the model's {modelSize} px");
        return new(DetailMode.Fine, $"{why}; {capacity.Description}", plan);
    }

    private static int RoundUp32(int v) => (v + 31) / 32 * 32;

    /// <summary>
    /// One axis of tiles of <paramref name="tile"/> cells, overlapping by the asked overlap or tile / 8, handing over
    /// across the whole overlap: a ramp only as wide as the asked overlap showed the stitch of unharmonised tiles
    /// (seam score at ramp centres 2.03 against 1.48; docs/quality.md) and made no difference to harmonised ones.
    /// </summary>
    private static AxisTiling Axis(int length, int tile, int? overlap) =>
        new(length, tile, Math.Clamp(overlap ?? tile / 8, 0, tile / 2));

    /// <summary>A shape of whole multiples of 32, within a square tile of the capacity (so its batch fits).</summary>
    private static bool FitsIn((int Width, int Height) shape, int tile) =>
        shape.Width >= 32 && shape.Height >= 32 && shape.Width % 32 == 0 && shape.Height % 32 == 0 &&
        shape.Width <= tile && shape.Height <= tile;
}
