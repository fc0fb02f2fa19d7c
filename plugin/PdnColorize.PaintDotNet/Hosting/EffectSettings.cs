using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

public enum PrecisionChoice { Auto, FP32, FP16, INT8 }

public enum DeviceChoice { Auto, GPU, CPU }

/// <summary>What the dialog holds, in the dialog's own units (percent), independent of any host's property system.</summary>
public sealed record EffectSettings
{
    public const int DefaultStrengthPercent = 100, MaxStrengthPercent = 200;
    public const int DefaultContextMarginPercent = 25, MaxContextMarginPercent = 100;

    /// <summary>The model's id; empty = the embedded default.</summary>
    public string ModelId { get; init; } = "";
    public PrecisionChoice Precision { get; init; }
    public DeviceChoice Device { get; init; }
    public int StrengthPercent { get; init; } = DefaultStrengthPercent;
    public DetailMode Detail { get; init; }
    public int ContextMarginPercent { get; init; } = DefaultContextMarginPercent;

    public ColorizeSettings ToCore()
    {
        int margin = Math.Clamp(ContextMarginPercent, 0, MaxContextMarginPercent);
        return new ColorizeSettings
        {
            Strength = Math.Clamp(StrengthPercent, 0, MaxStrengthPercent) / 100.0,
            ContextMargin = margin / 100.0,
            // 0 % means no context at all; otherwise Core's minimum context in pixels applies.
            MinContextPixels = margin == 0 ? 0 : new ColorizeSettings().MinContextPixels,
            Detail = Detail,
            Threads = 1, // the host already renders tiles on all cores
        };
    }

    /// <summary>
    /// The settings the model's answer depends on. Strength is not among them (it only recomposes); the context
    /// margin is not either: it moves the region, which <see cref="PredictionKey"/> holds itself.
    /// </summary>
    public ModelKey ModelKey => new(ModelId, Precision, Device, Detail);
}

public readonly record struct ModelKey(string ModelId, PrecisionChoice Precision, DeviceChoice Device, DetailMode Detail);

/// <summary>One model answer: which model and settings, which region of the document, and what that region holds.</summary>
public readonly record struct PredictionKey(ModelKey Model, PixelRect Region, ulong Fingerprint);
