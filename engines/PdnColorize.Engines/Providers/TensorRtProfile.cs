using Onnx;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// The one TensorRT optimisation profile a colourisation session needs: every shape the pipeline may run, so TensorRT
/// builds one engine instead of rebuilding when a new shape arrives. The pipeline runs the global pass at up to S on the
/// long side (multiples of 32), the memory probes at batch 1-2 of S, and tiles of S or 2S at batch 1 to
/// <see cref="MaxBatch"/> (the VRAM planner's largest).
/// </summary>
public static class TensorRtProfile
{
    public const int MaxBatch = 8;

    /// <summary>Min, opt and max shapes for a model whose input has the given fixed dimensions (null = free).</summary>
    public static (RunShape Min, RunShape Opt, RunShape Max) Covering(int preferredSize, int? fixedBatch, int? fixedSize)
    {
        int nMin = fixedBatch ?? 1, nMax = fixedBatch ?? MaxBatch;
        if (fixedSize is { } f) return (new(nMin, f, f), new(nMin, f, f), new(nMax, f, f));
        int s = Math.Max(32, preferredSize / 32 * 32);
        return (new(nMin, 32, 32), new(nMin, s, s), new(nMax, 2 * s, 2 * s));
    }

    /// <summary>The fixed batch and side of the model's input, read from the file (null where the dimension is free).</summary>
    public static (int? Batch, int? Size) FixedDimensions(string modelPath)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var input = model.Graph.Input.FirstOrDefault(i => i.Name == "input") ?? model.Graph.Input.First();
        var dims = input.Type.TensorType.Shape.Dim;
        static int? Fixed(TensorShapeProto.Types.Dimension d) => d.DimValue > 0 ? (int)d.DimValue : null;
        int? batch = dims.Count > 0 ? Fixed(dims[0]) : null;
        int? h = dims.Count > 2 ? Fixed(dims[2]) : null, w = dims.Count > 3 ? Fixed(dims[3]) : null;
        return (batch, h is not null && h == w ? h : null);
    }
}
