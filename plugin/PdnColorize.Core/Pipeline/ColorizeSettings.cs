namespace PdnColorize.Core.Pipeline;

public enum DetailMode { Auto, Global, Fine }

/// <summary>How the model's low-resolution chroma is brought to full resolution (docs/architecture.md, step 6).</summary>
public enum ChromaUpsampling
{
    /// <summary>Each pixel takes its grid cell's chroma (official DDColor).</summary>
    Nearest,
    /// <summary>Bilinear between cell centres (chaiNNer); colour bleeds across edges by up to a cell.</summary>
    Bilinear,
    /// <summary>Fast guided filter: chroma = A * L + B with A, B fitted on the grid against the grid's L and
    /// upsampled bilinearly, so chroma steps where the full-resolution L steps.</summary>
    Guided,
}

/// <summary>How each detail tile's chroma is made consistent with the global pass (docs/architecture.md, step 5).</summary>
public enum ChromaHarmonization
{
    /// <summary>Low frequencies from the global pass, high frequencies from the tile: tile + blur(global - tile).</summary>
    FrequencySplit,
    /// <summary>A per-tile affine map of (a, b), least-squares fitted to the global pass over the tile.</summary>
    AffineFit,
    /// <summary>The tiles as the model made them (a control for measurements; seams and drift are expected).</summary>
    None,
}

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

    /// <summary>Chroma upsampling of the model's grid to full resolution.</summary>
    public ChromaUpsampling Upsampling { get; init; } = ChromaUpsampling.Guided;

    /// <summary>How detail tiles are tied to the global pass.</summary>
    public ChromaHarmonization Harmonization { get; init; } = ChromaHarmonization.FrequencySplit;

    /// <summary>The detail grid's long side is at most this many model sizes (the detail scale's cap).</summary>
    public double DetailScale { get; init; } = 4;

    /// <summary>Overlap of neighbouring detail tiles in grid cells; null = a tile's side / 8.</summary>
    public int? TileOverlap { get; init; }

    /// <summary>Threads for the full-resolution passes; 0 = all cores.</summary>
    public int Threads { get; init; }

    public void Validate()
    {
        if (!(Strength >= 0 && Strength <= 2)) throw new ArgumentOutOfRangeException(nameof(Strength), $"strength must lie in 0..2; got {Strength}");
        if (!(ContextMargin >= 0 && ContextMargin <= 4)) throw new ArgumentOutOfRangeException(nameof(ContextMargin), $"context margin must lie in 0..4; got {ContextMargin}");
        if (MinContextPixels < 0) throw new ArgumentOutOfRangeException(nameof(MinContextPixels));
        if (ModelSize is { } s && (s < Engines.ModelManifest.MinInputSize || s > Engines.ModelManifest.MaxInputSize))
            throw new ArgumentOutOfRangeException(nameof(ModelSize),
                $"model size must lie in {Engines.ModelManifest.MinInputSize}..{Engines.ModelManifest.MaxInputSize}; got {s}");
        if (!(DetailScale >= 1 && DetailScale <= 16)) throw new ArgumentOutOfRangeException(nameof(DetailScale), $"detail scale must lie in 1..16; got {DetailScale}");
        if (TileOverlap is < 0) throw new ArgumentOutOfRangeException(nameof(TileOverlap), $"tile overlap must be 0 or more; got {TileOverlap}");
    }
}
