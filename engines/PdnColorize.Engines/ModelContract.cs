using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PdnColorize.Engines;

/// <summary>Checks a model's declared inputs and outputs against the I/O contract and says what differs.</summary>
public static class ModelContract
{
    public const string Expected =
        "one float32 input [N,3,S,S] (gray sRGB 0..1) and one float32 output [N,2,S,S] (Lab a,b), S a multiple of 32 (or both float16)";

    public static ModelSignature Validate(
        IReadOnlyDictionary<string, NodeMetadata> inputs,
        IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        if (inputs.Count != 1 || outputs.Count != 1)
            throw Mismatch($"{inputs.Count} input(s) and {outputs.Count} output(s)");

        var (inName, inMeta) = inputs.First();
        var (outName, outMeta) = outputs.First();
        var inDims = DescribeTensor(inName, inMeta);
        var outDims = DescribeTensor(outName, outMeta);
        if (inDims is null || outDims is null || inMeta.ElementDataType != outMeta.ElementDataType)
            throw Mismatch($"input '{inName}' {Describe(inMeta)}, output '{outName}' {Describe(outMeta)}");

        if (inDims.Length != 4 || outDims.Length != 4 || !Fits(inDims[1], 3) || !Fits(outDims[1], 2))
            throw Mismatch($"input '{inName}' {Shape(inDims)}, output '{outName}' {Shape(outDims)}");

        int? size = null;
        foreach (var d in new[] { inDims[2], inDims[3], outDims[2], outDims[3] })
        {
            if (d <= 0) continue;
            if (size is not null && size != d)
                throw Mismatch($"non-square or mismatched sizes: input {Shape(inDims)}, output {Shape(outDims)}");
            size = d;
        }
        if (size is { } s && s % 32 != 0)
            throw Mismatch($"size {s}, which is not a multiple of 32");

        int? batch = inDims[0] > 0 ? inDims[0] : null;
        return new ModelSignature(inName, outName, batch, size) { HalfIo = inMeta.ElementDataType == TensorElementType.Float16 };
    }

    private static int[]? DescribeTensor(string name, NodeMetadata meta) =>
        meta.IsTensor && meta.ElementDataType is TensorElementType.Float or TensorElementType.Float16 ? meta.Dimensions : null;

    private static bool Fits(int dim, int want) => dim <= 0 || dim == want;

    private static string Shape(int[] dims) => "[" + string.Join(",", dims.Select(d => d > 0 ? d.ToString() : "?")) + "]";

    private static string Describe(NodeMetadata meta) =>
        meta.IsTensor ? $"{meta.ElementDataType} {Shape(meta.Dimensions)}" : $"{meta.OnnxValueType}";

    private static ModelContractException Mismatch(string found) =>
        new($"The model does not fit PdnColorize's I/O contract. Expected {Expected}; found {found}.");
}
