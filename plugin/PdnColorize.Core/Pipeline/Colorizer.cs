using PdnColorize.Core.Detail;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Pipeline;

/// <summary>
/// The whole colourisation of one image, host-neutral: plan the region, predict chroma once, compose.
/// Hosts that recompose (a strength slider) call <see cref="Predict"/> once and <see cref="Compose"/> often.
/// </summary>
public sealed class Colorizer(IChromaModel model)
{
    public IChromaModel Model { get; } = model;

    /// <summary>What the device can run for the detail pass: the model's own (the VRAM planner on a GPU) unless set.</summary>
    public IDetailCapacity Capacity { get; init; } = model.Capacity;

    /// <summary>Measured constants of the detail pass and guided upsampling.</summary>
    public DetailTuning Tuning { get; init; } = DetailTuning.Default;

    /// <summary>Sees every harmonised tile of the detail pass (measurements; null in hosts).</summary>
    public ITileObserver? TileObserver { get; init; }

    /// <summary>
    /// The model's chroma for the region: the global pass, and the detail pass when <see cref="ColorizeSettings.Detail"/>
    /// asks for it (Auto: when the region is much larger than the model and memory allows). The field's
    /// <see cref="ChromaField.Detail"/> says what ran and why. Steps 2-5 of a run (docs/architecture.md).
    /// </summary>
    public ChromaField Predict(BgraImage source, SelectionMask? mask, ColorizeSettings settings, CancellationToken cancellation = default)
    {
        settings.Validate();
        Tuning.Validate();
        var region = RegionPlanner.RegionOfInterest(source.Bounds, mask?.Bounds, settings.ContextMargin, settings.MinContextPixels);
        if (!source.Bounds.Contains(region) || region.IsEmpty) throw new ArgumentException($"region {region} is not inside the image");
        int size = ModelSize(settings);
        var globalGrid = RegionPlanner.GlobalGrid(region, size, Model.DynamicSize);
        var tileShape = GlobalCanvas.TileShape(Tuning.GlobalShape, Model, globalGrid);
        var decision = DetailPlanner.Decide(region, size, Model.DynamicSize, settings, Capacity, tileShape: tileShape);
        var report = new DetailReport(settings.Detail, decision.Chosen, decision.Reason)
        {
            Plan = decision.Plan,
            Harmonization = settings.Harmonization,
        };

        ChromaField field;
        if (decision.Plan is { } plan)
        {
            (field, var tileTime, var canvas) = GlobalThenDetail(source, region, globalGrid, plan, settings.Harmonization, cancellation);
            report = report with { TileInferenceTime = tileTime, GlobalCanvas = canvas };
        }
        else
        {
            field = GlobalChromaPass.Run(source, region, Model, size, cancellation);
        }
        return field with
        {
            Upsampling = settings.Upsampling,
            GuidedFilter = (Tuning.GuidedRadius, Tuning.GuidedEps),
            GuidedForm = Tuning.GuidedForm,
            Detail = report,
        };
    }

    /// <summary>The global pass's size: the asked size rounded to a multiple of 32 (at least 32), else the model's own.</summary>
    private int ModelSize(ColorizeSettings settings) =>
        settings.ModelSize is { } s ? Math.Max(32, (s + 16) / 32 * 32) : Model.PreferredSize;

    /// <summary>
    /// L* on both grids in one full-resolution pass, the global pass (on a GPU at the tiles' shape where that needs no
    /// padding: one input shape for the whole job, <see cref="GlobalCanvas"/>), then the tiles harmonised to it.
    /// </summary>
    private (ChromaField Field, TimeSpan TileInference, GlobalCanvas? Canvas) GlobalThenDetail(BgraImage source, PixelRect region, (int Width, int Height) globalGrid, DetailPlan plan,
        ChromaHarmonization harmonization, CancellationToken cancellation)
    {
        var (globalL, detailL) = GlobalChromaPass.DownsampledLightness(source, region, globalGrid, (plan.GridWidth, plan.GridHeight), cancellation);
        var canvas = GlobalCanvas.For(Tuning.GlobalShape, plan, globalGrid.Width, globalGrid.Height, Model);
        var global = GlobalChromaPass.FromLightness(globalL, globalGrid.Width, globalGrid.Height, region, Model, cancellation, canvas);
        var fine = DetailPass.Run(plan, detailL, global, Model, harmonization, Tuning, cancellation, TileObserver);
        var field = new ChromaField(region, plan.GridWidth, plan.GridHeight, fine.A, fine.B, Model.Description)
        {
            InferenceTime = global.InferenceTime + fine.Inference,
            Guide = detailL,
        };
        return (field, fine.Inference, canvas);
    }

    public void Compose(BgraImage source, BgraImage destination, ChromaField chroma, SelectionMask? mask,
        ColorizeSettings settings, PixelRect? area = null, CancellationToken cancellation = default)
    {
        settings.Validate();
        if (chroma.Upsampling != settings.Upsampling) chroma = chroma with { Upsampling = settings.Upsampling };
        ChromaComposer.Compose(source, destination, chroma, mask, settings.Strength, area, settings.Threads, cancellation);
    }

    /// <summary>Predict, then compose into <paramref name="destination"/> (which may be the source itself).</summary>
    public ChromaField Colorize(BgraImage source, BgraImage destination, SelectionMask? mask, ColorizeSettings settings,
        CancellationToken cancellation = default)
    {
        var chroma = Predict(source, mask, settings, cancellation);
        Compose(source, destination, chroma, mask, settings, null, cancellation);
        return chroma;
    }
}
