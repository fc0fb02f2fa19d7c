namespace PdnColorize.Core.Pipeline;

public enum DetailMode { Auto, Global, Fine }

/// <summary>What the user chose. Validated once, here, so every host reports the same messages.</summary>
public sealed record ColorizeSettings
{
    /// <summary>0 = the input unchanged, 1 = the model's colours, up to 2 = the model's chroma doubled (gamut-clipped).</summary>
    public double Strength { get; init; } = 1.0;

    /// <summary>Context around a selection, as a fraction of the selection's larger side.</summary>
    public double ContextMargin { get; init; } = 0.25;

    /// <summary>The smallest context margin in pixels (a tiny selection still sees its surroundings).</summary>
    public int MinContextPixels { get; init; } = 64;

    /// <summary>Overrides the model's preferred global-pass size (rounded to a multiple of 32).</summary>
    public int? ModelSize { get; init; }

    public DetailMode Detail { get; init; } = DetailMode.Auto;

    /// <summary>Threads for the full-resolution passes; 0 = all cores.</summary>
    public int Threads { get; init; }

    public void Validate()
    {
        if (!(Strength >= 0 && Strength <= 2)) throw new ArgumentOutOfRangeException(nameof(Strength), $"strength must lie in 0..2; got {Strength}");
        if (!(ContextMargin >= 0 && ContextMargin <= 4)) throw new ArgumentOutOfRangeException(nameof(ContextMargin), $"context margin must lie in 0..4; got {ContextMargin}");
        if (MinContextPixels < 0) throw new ArgumentOutOfRangeException(nameof(MinContextPixels));
        if (ModelSize is { } s && (s < 32 || s > 4096)) throw new ArgumentOutOfRangeException(nameof(ModelSize), $"model size must lie in 32..4096; got {s}");
    }
}
