using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Pipeline;

/// <summary>
/// The model's answer for a region: Lab a and b on a small grid (row-major, GridWidth x GridHeight) that stretches
/// over <see cref="Region"/>. It is all a recompose needs, so a host keeps it and recomposes when only strength moves.
/// </summary>
public sealed record ChromaField(PixelRect Region, int GridWidth, int GridHeight, float[] A, float[] B, string ModelDescription)
{
    public TimeSpan InferenceTime { get; init; }
}

/// <summary>The model returned values that cannot be colours (NaN or infinity). The caller may retry at FP32.</summary>
public sealed class ModelOutputException(string message) : Exception(message);
