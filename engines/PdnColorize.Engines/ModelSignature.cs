namespace PdnColorize.Engines;

/// <summary>
/// The shape of a colouriser's I/O as read from the ONNX graph. A null dimension is dynamic.
/// Contract (docs/architecture.md): one float32 input [N,3,S,S] of gray sRGB, one float32 output [N,2,S,S] of Lab ab
/// (or both float16, as some publishers export FP16 models: the session converts on the host).
/// </summary>
public sealed record ModelSignature(string InputName, string OutputName, int? FixedBatch, int? FixedSize)
{
    /// <summary>Input and output are float16 tensors (callers still pass and receive float32).</summary>
    public bool HalfIo { get; init; }

    /// <summary>True when the model accepts any spatial size (a multiple of 32).</summary>
    public bool DynamicSize => FixedSize is null;

    /// <summary>The size to run at: the model's own when fixed, otherwise the preferred size rounded to a multiple of 32.</summary>
    public int ResolveSize(int preferred) =>
        FixedSize ?? Math.Max(32, (preferred + 16) / 32 * 32);

    /// <summary>The largest batch one call may carry (a fixed batch of 1 means batching by repeated runs).</summary>
    public int MaxBatch(int wanted) => FixedBatch ?? Math.Max(1, wanted);
}
