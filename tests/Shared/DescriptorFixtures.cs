using Google.Protobuf;
using Onnx;

namespace PdnColorize.Tests.Shared;

/// <summary>
/// Tiny colourisers in each published I/O convention, built by the tests, with a known colour answer whose hue depends
/// on the gray level, so that a wrong input scaling or a wrong output reading gives visibly wrong colours:
/// <list type="bullet">
/// <item><see cref="LabAbQuarter"/> (gray-rgb01 -> lab-ab at 1/4 size): a = 60 g - 30, b = -30, g the mean of the channels.</item>
/// <item><see cref="LabFromL"/> (L100 -> lab-ab): a = 0.8 (L - 50), b = 25.</item>
/// <item><see cref="RgbOut"/> (gray-rgb255 -> rgb255, or gray-rgb01 -> rgb01): RGB = (g, 1 - g, 0.5) in the model's scale.</item>
/// </list>
/// Sizes and batch are dynamic. The expected a,b of a flat gray region follow from the formulas (ExpectedAb).
/// </summary>
public static class DescriptorFixtures
{
    public static string LabAbQuarter(string path)
    {
        var graph = new GraphProto { Name = "lab_ab_quarter" };
        graph.Input.Add(Tensor4("input", 3, "H", "W"));
        graph.Output.Add(Tensor4("ab", 2, "h4", "w4"));
        graph.Initializer.Add(Floats("w", [20f, 20f, 20f, 0f, 0f, 0f], 2, 3, 1, 1));
        graph.Initializer.Add(Floats("b", [-30f, -30f], 2));
        graph.Node.Add(Node("AveragePool", ["input"], "pooled", ("kernel_shape", new long[] { 4, 4 }), ("strides", new long[] { 4, 4 })));
        graph.Node.Add(Node("Conv", ["pooled", "w", "b"], "ab"));
        return Save(path, graph);
    }

    public static string LabFromL(string path)
    {
        var graph = new GraphProto { Name = "lab_from_l" };
        graph.Input.Add(Tensor4("L", 1, "H", "W"));
        graph.Output.Add(Tensor4("ab", 2, "H", "W"));
        graph.Initializer.Add(Floats("w", [0.8f, 0f], 2, 1, 1, 1));
        graph.Initializer.Add(Floats("b", [-40f, 25f], 2));
        graph.Node.Add(Node("Conv", ["L", "w", "b"], "ab"));
        return Save(path, graph);
    }

    /// <summary>
    /// A SIGGRAPH17-shaped model: inputs L [N,1,H,W], hint_ab [N,2,H,W], hint_mask [N,1,H,W]; ab = the
    /// <see cref="LabFromL"/> answer plus 0.5 x hint_ab plus 40 x hint_mask, so zero hints leave the L answer alone.
    /// </summary>
    public static string WithHints(string path)
    {
        var graph = new GraphProto { Name = "with_hints" };
        graph.Input.Add(Tensor4("L", 1, "H", "W"));
        graph.Input.Add(Tensor4("hint_ab", 2, "H", "W"));
        graph.Input.Add(Tensor4("hint_mask", 1, "H", "W"));
        graph.Output.Add(Tensor4("ab", 2, "H", "W"));
        graph.Initializer.Add(Floats("w", [0.8f, 0f], 2, 1, 1, 1));
        graph.Initializer.Add(Floats("b", [-40f, 25f], 2));
        graph.Initializer.Add(Floats("half", [0.5f]));
        graph.Initializer.Add(Floats("forty", [40f]));
        graph.Node.Add(Node("Conv", ["L", "w", "b"], "from_l"));
        graph.Node.Add(Node("Mul", ["hint_ab", "half"], "hint_part"));
        graph.Node.Add(Node("Mul", ["hint_mask", "forty"], "mask_part"));
        graph.Node.Add(Node("Add", ["from_l", "hint_part"], "with_hint"));
        graph.Node.Add(Node("Add", ["with_hint", "mask_part"], "ab"));
        return Save(path, graph);
    }

    /// <param name="scale">255 for gray-rgb255 -> rgb255, 1 for gray-rgb01 -> rgb01.</param>
    public static string RgbOut(string path, float scale)
    {
        var graph = new GraphProto { Name = "rgb_out" };
        graph.Input.Add(Tensor4("input", 3, "H", "W"));
        graph.Output.Add(Tensor4("output", 3, "H", "W"));
        float t = 1f / 3;
        // R = g, G = scale - g, B = scale / 2 with g the channel mean, all in the model's own scale.
        graph.Initializer.Add(Floats("w", [t, t, t, -t, -t, -t, 0, 0, 0], 3, 3, 1, 1));
        graph.Initializer.Add(Floats("b", [0f, scale, scale / 2], 3));
        graph.Node.Add(Node("Conv", ["input", "w", "b"], "output"));
        return Save(path, graph);
    }

    /// <summary>A gray-rgb01 -> rgb01 model whose output is constant (it ignores its input): the smoke test refuses it.</summary>
    public static string ConstantRgb(string path)
    {
        var graph = new GraphProto { Name = "constant_rgb" };
        graph.Input.Add(Tensor4("input", 3, "H", "W"));
        graph.Output.Add(Tensor4("output", 3, "H", "W"));
        graph.Initializer.Add(Floats("w", new float[9], 3, 3, 1, 1));
        graph.Initializer.Add(Floats("b", [0.8f, 0.4f, 0.2f], 3));
        graph.Node.Add(Node("Conv", ["input", "w", "b"], "output"));
        return Save(path, graph);
    }

    /// <summary>A 3-in, 3-out model and its manifest beside it (<paramref name="input"/>/<paramref name="output"/>).</summary>
    public static string WithManifest(string onnx, string id, string input, string output)
    {
        File.WriteAllText(Path.ChangeExtension(onnx, ".json"),
            $$"""{ "id": "{{id}}", "name": "{{id}}", "input_size": 64, "dynamic_size": true, "input": "{{input}}", "output": "{{output}}", "family": "Fixture" }""");
        return onnx;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes) =>
        FixtureModels.Node(op, inputs, output, attributes);

    private static string Save(string path, GraphProto graph) => FixtureModels.Save(path, graph);

    private static ValueInfoProto Tensor4(string name, int channels, string h, string w)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = h });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = w });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }
}
