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
    /// <see cref="ChromaField.Detail"/> says what ran and why.
    /// </summary>
    public ChromaField Predict(BgraImage source, SelectionMask? mask, ColorizeSettings settings, CancellationToken cancellation = default)
    {
        settings.Validate();
        Tuning.Validate();
        var roi = RegionPlanner.RegionOfInterest(source.Bounds, mask?.Bounds, settings.ContextMargin, settings.MinContextPixels);
        if (!source.Bounds.Contains(roi) || roi.IsEmpty) throw new ArgumentException($"region {roi} is not inside the image");
        int size = settings.ModelSize is { } s ? Math.Max(32, (s + 16) / 32 * 32) : Model.PreferredSize;
        // Where a change of input shape costs a set-up (GPU), a dynamic model's tiles take the global grid's shape, so
        // the global pass only fills their batch and the whole job runs at one shape (GlobalCanvas says why); not for
        // grids longer than 2:1 (a panorama, a tall selection), whose tiles would see too little across.
        var globalGrid = RegionPlanner.GlobalGrid(roi, size, Model.DynamicSize);
        var tileShape = GlobalCanvas.TilesTakeGlobalGrid(settings.GlobalShape, Model) &&
                        2 * Math.Min(globalGrid.Width, globalGrid.Height) >= Math.Max(globalGrid.Width, globalGrid.Height)
            ? globalGrid
            : ((int, int)?)null;
        var decision = DetailPlanner.Decide(roi, size, Model.DynamicSize, settings, Capacity, tuning: Tuning, tileShape: tileShape);
        var report = new DetailReport(settings.Detail, decision.Chosen, decision.Reason)
        {
            Plan = decision.Plan,
            Harmonization = settings.Harmonization,
        };

        ChromaField field;
        if (decision.Plan is not { } evenPlan)
        {
            field = GlobalChromaPass.Run(source, roi, Model, size, cancellation);
        }
        else
        {
            var (globalL, detailL) = GlobalChromaPass.DownsampledLightness(source, roi, globalGrid, (evenPlan.GridWidth, evenPlan.GridHeight), cancellation);
            // The planner spreads tiles evenly without seeing the image; now that L* is on the grid they may move.
            var plan = SeamPlacement.Apply(evenPlan, Tuning.Placement, detailL, Tuning.PlacementSlack, Tuning.PlacementSeed);
            // On a GPU the global pass runs at the tiles' shape where that needs no padding: one input shape for the
            // whole job (GlobalCanvas says why).
            var canvas = GlobalCanvas.For(settings.GlobalShape, plan, globalGrid.Width, globalGrid.Height, Model, Tuning.CanvasPadding);
            var global = GlobalChromaPass.FromLightness(globalL, globalGrid.Width, globalGrid.Height, roi, Model, cancellation, canvas);
            var fine = DetailPass.Run(plan, detailL, global, Model, settings.Harmonization, Tuning, cancellation, TileObserver);
            field = new ChromaField(roi, plan.GridWidth, plan.GridHeight, fine.A, fine.B, Model.Description)
            {
                InferenceTime = global.InferenceTime + fine.Inference,
                Guide = detailL,
            };
            report = report with { Plan = plan, TileInferenceTime = fine.Inference, GlobalCanvas = canvas };
        }
        return field with
        {
            Upsampling = settings.Upsampling,
            GuidedFilter = (Tuning.GuidedRadius, Tuning.GuidedEps),
            GuidedForm = Tuning.GuidedForm,
            Detail = report,
        };
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
