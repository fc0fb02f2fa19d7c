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

    /// <summary>The plumbing model with an initializer no node reads: ONNX Runtime warns about it while it loads.</summary>
    public static string WithUnusedInitializer(string path)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Plumbing(path)));
        model.Graph.Initializer.Add(Floats("unused", new float[4], 4));
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>A model whose output has 3 channels instead of 2.</summary>
    public static string WrongOutputChannels(string path) =>
        Conv(path, 3, 3, Enumerable.Repeat(1f / 3, 9).ToArray(), new float[3], null, null);

    /// <summary>A model that takes two channels: no input convention has two (one channel in is L*, see the descriptors).</summary>
    public static string WrongInputChannels(string path) =>
        Conv(path, 2, 2, new float[] { 1, 1, 1, 1 }, new float[2], null, null);

    /// <summary>A fixed-size model at a size that is not a multiple of 32.</summary>
    public static string OddFixedSize(string path) =>
        Conv(path, 3, 2, new float[6], new float[2], 100, 1);

    /// <summary>A contract-shaped model whose output is NaN everywhere.</summary>
    public static string NaNOutput(string path) =>
        Conv(path, 3, 2, new float[6], new[] { float.NaN, float.NaN }, null, null);

    /// <summary>
    /// Fine in FP32, infinite in FP16: the input is scaled by 1000 twice (1e6 overflows half precision's 65504)
    /// and back by 1e-6 before a plumbing convolution. Exercises the NaN/Inf guard.
    /// </summary>
    public static string Fp16Overflow(string path)
    {
        var graph = new GraphProto { Name = "fp16_overflow" };
        graph.Input.Add(Tensor4("input", null, 3, null));
        graph.Output.Add(Tensor4("output", null, 2, null));
        graph.Initializer.Add(Floats("k1", new[] { 1000f }));
        graph.Initializer.Add(Floats("k2", new[] { 1000f }));
        graph.Initializer.Add(Floats("k3", new[] { 1e-6f }));
        graph.Initializer.Add(Floats("w", new[] { 20f, 20f, 20f, -10f, -10f, -10f }, 2, 3, 1, 1));
        graph.Initializer.Add(Floats("b", new[] { -30f, 15f }, 2));
        graph.Node.Add(Node("Mul", new[] { "input", "k1" }, "m1"));
        graph.Node.Add(Node("Mul", new[] { "m1", "k2" }, "m2"));
        graph.Node.Add(Node("Mul", new[] { "m2", "k3" }, "m3"));
        graph.Node.Add(Node("Conv", new[] { "m3", "w", "b" }, "output"));
        return Save(path, graph);
    }

    /// <summary>
    /// A layer-norm-like chain (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div) and a channel Softmax between two
    /// convolutions: the FP16 converter must keep the reductions, powers, roots and softmax in FP32 islands.
    /// </summary>
    public static string NormAndSoftmax(string path)
    {
        var graph = new GraphProto { Name = "norm_softmax" };
        graph.Input.Add(Tensor4("input", null, 3, null));
        graph.Output.Add(Tensor4("output", null, 2, null));
        var rng = new Random(7);
        float[] W(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        graph.Initializer.Add(Floats("w1", W(8 * 3), 8, 3, 1, 1));
        graph.Initializer.Add(Floats("b1", W(8), 8));
        graph.Initializer.Add(Floats("w2", W(2 * 8).Select(v => v * 40).ToArray(), 2, 8, 1, 1));
        graph.Initializer.Add(Floats("b2", W(2), 2));
        graph.Initializer.Add(Floats("two", new[] { 2f }));
        graph.Initializer.Add(Floats("eps", new[] { 1e-5f }));
        graph.Initializer.Add(Floats("gain", new[] { 3f }));
        graph.Node.Add(Node("Conv", new[] { "input", "w1", "b1" }, "c1"));
        graph.Node.Add(Node("ReduceMean", new[] { "c1" }, "mean", ("axes", new long[] { 1 })));
        graph.Node.Add(Node("Sub", new[] { "c1", "mean" }, "centred"));
        graph.Node.Add(Node("Pow", new[] { "centred", "two" }, "sq"));
        graph.Node.Add(Node("ReduceMean", new[] { "sq" }, "var", ("axes", new long[] { 1 })));
        graph.Node.Add(Node("Add", new[] { "var", "eps" }, "var_eps"));
        graph.Node.Add(Node("Sqrt", new[] { "var_eps" }, "std"));
        graph.Node.Add(Node("Div", new[] { "centred", "std" }, "normed"));
        graph.Node.Add(Node("Mul", new[] { "normed", "gain" }, "scaled"));
        graph.Node.Add(Node("Softmax", new[] { "scaled" }, "probs", ("axis", 1L)));
        graph.Node.Add(Node("Conv", new[] { "probs", "w2", "b2" }, "output"));
        return Save(path, graph);
    }

    /// <summary>
    /// Float16 I/O, as some publishers export FP16 models: the half input is cast up, a 1x1 convolution makes
    /// a = 60 g and b = -40 g from the first channel, and the result is cast back to half (or left float32 when
    /// <paramref name="halfOutput"/> is false, which the contract refuses).
    /// </summary>
    public static string HalfIo(string path, bool halfOutput = true)
    {
        var graph = new GraphProto { Name = "half_io" };
        var input = Tensor4("input", null, 3, null);
        input.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Float16;
        graph.Input.Add(input);
        var output = Tensor4("output", null, 2, null);
        if (halfOutput) output.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Float16;
        graph.Output.Add(output);
        graph.Initializer.Add(Floats("w", new[] { 60f, 0f, 0f, -40f, 0f, 0f }, 2, 3, 1, 1));
        graph.Node.Add(Node("Cast", new[] { "input" }, "x", ("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Conv", new[] { "x", "w" }, halfOutput ? "ab" : "output"));
        if (halfOutput) graph.Node.Add(Node("Cast", new[] { "ab" }, "output", ("to", (long)TensorProto.Types.DataType.Float16)));
        return Save(path, graph);
    }

    /// <summary>
    /// A small residual conv net shaped like the embedded model's blocks, for INT8 calibration: Conv+Relu, Conv+Relu,
    /// an Add joining the two (a skip), and a 1x1 Conv to ab. Deterministic random weights; every activation is float.
    /// </summary>
    public static string ConvReluNet(string path)
    {
        var graph = new GraphProto { Name = "conv_relu_net" };
        graph.Input.Add(Tensor4("input", null, 3, null));
        graph.Output.Add(Tensor4("output", null, 2, null));
        var rng = new Random(11);
        float[] W(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        graph.Initializer.Add(Floats("cw1", W(8 * 3 * 9, 0.6), 8, 3, 3, 3));
        graph.Initializer.Add(Floats("cb1", W(8, 0.2), 8));
        graph.Initializer.Add(Floats("cw2", W(8 * 8 * 9, 0.25), 8, 8, 3, 3));
        graph.Initializer.Add(Floats("cb2", W(8, 0.2), 8));
        graph.Initializer.Add(Floats("cw3", W(2 * 8, 12), 2, 8, 1, 1));
        graph.Initializer.Add(Floats("cb3", new[] { 3f, -5f }, 2));
        var pads = ("pads", (object)new long[] { 1, 1, 1, 1 });
        graph.Node.Add(Node("Conv", new[] { "input", "cw1", "cb1" }, "conv1", pads));
        graph.Node.Add(Node("Relu", new[] { "conv1" }, "relu1"));
        graph.Node.Add(Node("Conv", new[] { "relu1", "cw2", "cb2" }, "conv2", pads));
        graph.Node.Add(Node("Relu", new[] { "conv2" }, "relu2"));
        graph.Node.Add(Node("Add", new[] { "relu1", "relu2" }, "joined"));
        graph.Node.Add(Node("Conv", new[] { "joined", "cw3", "cb3" }, "output"));
        return Save(path, graph);
    }

    /// <summary>
    /// A contract-shaped model that computes nothing in float32: the input is cast to float16, sliced to two channels
    /// and cast back. Calibration has no float activation to work on.
    /// </summary>
    public static string NoFloatActivations(string path)
    {
        var graph = new GraphProto { Name = "no_float_activations" };
        graph.Input.Add(Tensor4("input", null, 3, null));
        graph.Output.Add(Tensor4("output", null, 2, null));
        foreach (var (name, value) in new[] { ("starts", 0L), ("ends", 2L), ("axes", 1L) })
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(1);
            t.Int64Data.Add(value);
            graph.Initializer.Add(t);
        }
        graph.Node.Add(Node("Cast", new[] { "input" }, "half", ("to", (long)TensorProto.Types.DataType.Float16)));
        graph.Node.Add(Node("Slice", new[] { "half", "starts", "ends", "axes" }, "sliced"));
        graph.Node.Add(Node("Cast", new[] { "sliced" }, "output", ("to", (long)TensorProto.Types.DataType.Float)));
        return Save(path, graph);
    }

    /// <summary>One graph node; attribute values are a long or a long[] (DescriptorFixtures builds with them too).</summary>
    internal static NodeProto Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            var a = new AttributeProto { Name = name };
            if (value is long l) { a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; }
            else if (value is long[] ls) { a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); }
            node.Attribute.Add(a);
        }
        return node;
    }

    /// <summary>Writes the graph as an opset-17 model (DescriptorFixtures builds with them too).</summary>
    internal static string Save(string path, GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "PdnColorize.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

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
        return Save(path, graph);
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
