using Google.Protobuf;
using Onnx;

namespace PdnColorize.Tests.Shared;

/// <summary>
/// Tiny ONNX models the tests build themselves (OnnxSharp's generated protobuf types). They exercise plumbing —
/// loading, contract checks, batching, NaN handling — and are never presented as colourisers.
/// </summary>
public static class FixtureModels
{
    /// <summary>
    /// A valid model: a 1x1 convolution mapping gray g to a = 60g - 30, b = 20 - 40g (each channel weighted 1/3).
    /// Sizes and batch are dynamic unless fixed.
    /// </summary>
    public static string Plumbing(string path, int? fixedSize = null, int? fixedBatch = null, float aScale = 60f, float bScale = -40f)
    {
        var weights = new float[] { aScale / 3, aScale / 3, aScale / 3, bScale / 3, bScale / 3, bScale / 3 };
        var bias = new float[] { -aScale / 2, -bScale / 2 };
        return Conv(path, 3, 2, weights, bias, fixedSize, fixedBatch);
    }

    /// <summary>A model whose output has 3 channels instead of 2.</summary>
    public static string WrongOutputChannels(string path) =>
        Conv(path, 3, 3, Enumerable.Repeat(1f / 3, 9).ToArray(), new float[3], null, null);

    /// <summary>A model that takes one channel instead of three.</summary>
    public static string WrongInputChannels(string path) =>
        Conv(path, 1, 2, new float[] { 1, 1 }, new float[2], null, null);

    /// <summary>A fixed-size model at a size that is not a multiple of 32.</summary>
    public static string OddFixedSize(string path) =>
        Conv(path, 3, 2, new float[6], new float[2], 100, 1);

    /// <summary>A contract-shaped model whose output is NaN everywhere.</summary>
    public static string NaNOutput(string path) =>
        Conv(path, 3, 2, new float[6], new[] { float.NaN, float.NaN }, null, null);

    private static string Conv(string path, int inChannels, int outChannels, float[] weights, float[] bias, int? size, int? batch)
    {
        var graph = new GraphProto { Name = "pdncolorize_fixture" };
        graph.Input.Add(Tensor4("input", batch, inChannels, size));
        graph.Output.Add(Tensor4("output", batch, outChannels, size));
        graph.Initializer.Add(Floats("w", weights, outChannels, inChannels, 1, 1));
        graph.Initializer.Add(Floats("b", bias, outChannels));
        var node = new NodeProto { OpType = "Conv", Name = "conv" };
        node.Input.Add("input"); node.Input.Add("w"); node.Input.Add("b");
        node.Output.Add("output");
        graph.Node.Add(node);

        var model = new ModelProto { IrVersion = 8, ProducerName = "PdnColorize.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static ValueInfoProto Tensor4(string name, int? batch, int channels, int? size)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(Dim(batch, "N"));
        shape.Dim.Add(Dim(channels, null));
        shape.Dim.Add(Dim(size, "H"));
        shape.Dim.Add(Dim(size, "W"));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorShapeProto.Types.Dimension Dim(int? value, string? param) =>
        value is { } v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = param };

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }
}
