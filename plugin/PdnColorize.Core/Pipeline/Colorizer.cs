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

    public ChromaField Predict(BgraImage source, SelectionMask? mask, ColorizeSettings settings, CancellationToken cancellation = default)
    {
        settings.Validate();
        var roi = RegionPlanner.RegionOfInterest(source.Bounds, mask?.Bounds, settings.ContextMargin, settings.MinContextPixels);
        int size = settings.ModelSize is { } s ? Math.Max(32, (s + 16) / 32 * 32) : Model.PreferredSize;
        return GlobalChromaPass.Run(source, roi, Model, size, cancellation);
    }

    public void Compose(BgraImage source, BgraImage destination, ChromaField chroma, SelectionMask? mask,
        ColorizeSettings settings, PixelRect? area = null, CancellationToken cancellation = default)
    {
        settings.Validate();
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
