using PdnColorize.Engines.Providers;

namespace PdnColorize.Fidelity.Tests;

/// <summary>How far a colourised image may be from its golden, in CIEDE2000 over all pixels.</summary>
public readonly record struct Tolerance(double MaxMean, double MaxP99)
{
    public override string ToString() => $"mean <= {MaxMean}, p99 <= {MaxP99}";
}

/// <summary>
/// THE one place the golden-image thresholds are defined. Every precision is compared with the FP32 golden.
/// <list type="bullet">
/// <item>FP32: near-exact. The goldens were made by this code at FP32 on the CPU EP; what may differ between CPUs is
/// the last float bit of a convolution (AVX2 vs AVX-512 summation order), which moves a few pixels by one 8-bit
/// level (about 0.3-0.5 ΔE). Mean 0.05 / p99 0.5 accepts that and nothing a person could see.</item>
/// <item>FP16: mean 1.0, the tolerance set for the FP16 engines (below a just-noticeable difference on average).
/// p99 10: half precision moves a few saturated pixels further; the mean is what #4 bounds.</item>
/// <item>INT8: mean 2.0, the tolerance set for calibrated INT8. p99 15 for the same reason.</item>
/// </list>
/// </summary>
public static class Tolerances
{
    public static readonly Tolerance Fp32 = new(MaxMean: 0.05, MaxP99: 0.5);
    public static readonly Tolerance Fp16 = new(MaxMean: 1.0, MaxP99: 10.0);
    public static readonly Tolerance Int8 = new(MaxMean: 2.0, MaxP99: 15.0);

    public static Tolerance For(Precision precision) => precision switch
    {
        Precision.Fp32 => Fp32,
        Precision.Fp16 => Fp16,
        Precision.Int8 => Int8,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "goldens are judged at fp32, fp16 or int8"),
    };

    /// <summary>Luminance kept: mean |ΔL*| of the result against its gray input.</summary>
    public const double MaxMeanAbsDeltaL = 0.5;
}
