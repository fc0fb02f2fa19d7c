using PdnColorize.Core.Detail;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Pipeline;

/// <summary>
/// The model's answer for a region: Lab a and b on a small grid (row-major, GridWidth x GridHeight) that stretches
/// over <see cref="Region"/>. It is all a recompose needs, so a host keeps it and recomposes when only strength moves.
/// </summary>
public sealed record ChromaField(PixelRect Region, int GridWidth, int GridHeight, float[] A, float[] B, string ModelDescription)
{
    private GuidedCache? _guided;

    public TimeSpan InferenceTime { get; init; }

    /// <summary>
    /// L* of the region on the same grid (area-resampled): the guide of <see cref="ChromaUpsampling.Guided"/>.
    /// Null for a field made without one; guided upsampling then falls back to bilinear.
    /// </summary>
    public float[]? Guide { get; init; }

    /// <summary>How compose brings the grid to full resolution.</summary>
    public ChromaUpsampling Upsampling { get; init; } = ChromaUpsampling.Bilinear;

    /// <summary>Window radius (grid cells) and regularisation ((L*)^2) of the guided upsampling.</summary>
    public (int Radius, float Eps) GuidedFilter { get; init; } = (Resampling.GuidedCoefficients.DefaultRadius, Resampling.GuidedCoefficients.DefaultEps);

    /// <summary>Which form of guided upsampling compose uses.</summary>
    public GuidedForm GuidedForm { get; init; } = GuidedForm.Residual;

    /// <summary>What the detail setting became for this region and why (null for fields made by hand).</summary>
    public DetailReport? Detail { get; init; }

    /// <summary>The upsampling compose really uses (guided needs a guide).</summary>
    public ChromaUpsampling EffectiveUpsampling =>
        Upsampling == ChromaUpsampling.Guided && Guide is null ? ChromaUpsampling.Bilinear : Upsampling;

    /// <summary>
    /// The guided filter's coefficients of this grid, fitted once and kept (a host recomposes many times: strength
    /// changes, render tiles). The cache remembers the arrays it was fitted on, so a copy made with <c>with</c> and
    /// other planes never sees stale coefficients.
    /// </summary>
    internal GuidedCoefficients FitGuided()
    {
        var guide = Guide ?? throw new InvalidOperationException("this chroma field has no guide");
        var cached = Volatile.Read(ref _guided);
        if (cached is not null && cached.Matches(A, B, guide, (GuidedFilter.Radius, GuidedFilter.Eps, GuidedForm))) return cached.Coefficients;
        var fresh = new GuidedCache(A, B, guide, (GuidedFilter.Radius, GuidedFilter.Eps, GuidedForm),
            Resampling.GuidedCoefficients.Fit(guide, A, B, GridWidth, GridHeight, GuidedFilter.Radius, GuidedFilter.Eps, GuidedForm));
        Volatile.Write(ref _guided, fresh);
        return fresh.Coefficients;
    }

    private sealed record GuidedCache(float[] A, float[] B, float[] Guide, (int, float, GuidedForm) Filter, GuidedCoefficients Coefficients)
    {
        public bool Matches(float[] a, float[] b, float[] guide, (int, float, GuidedForm) filter) =>
            ReferenceEquals(A, a) && ReferenceEquals(B, b) && ReferenceEquals(Guide, guide) && Filter == filter;
    }
}

/// <summary>The model returned values that cannot be colours (NaN or infinity). The caller may retry at FP32.</summary>
public sealed class ModelOutputException(string message) : Exception(message);
