using Google.Protobuf;
using Onnx;
using PdnColorize.Engines.Conversion;

namespace PdnColorize.Calibration;

/// <summary>
/// A float-exact rewrite of the decoding "softmax over channels, then a 1x1 expectation convolution" that ONNX Runtime's
/// CPU provider runs slowly: Softmax on axis 1 of an NCHW tensor is computed by transposing the whole probability
/// volume to channels-last and back. Because the expectation is linear and the softmax's denominator is the same for
/// every channel of a pixel, <c>Conv(softmax(x))</c> equals <c>Conv(exp(x - max x)) / sum exp(x - max x)</c>: two
/// channel reductions, one Exp, and a division of the two output channels instead of all Q of them.
/// </summary>
public static class SoftmaxRewrite
{
    /// <summary>
    /// Rewrites every Softmax(axis=1) read only by a 1x1 Conv (a bias, if any, is added after the division); returns
    /// how many it rewrote.
    /// </summary>
    public static int Apply(ModelProto model)
    {
        var graph = model.Graph;
        int opset = (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0);
        if (opset < 13) return 0; // Softmax before opset 13 flattens from the axis on: a different function
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var n in graph.Node)
            foreach (var i in n.Input) if (i.Length > 0) (consumers.TryGetValue(i, out var l) ? l : consumers[i] = new()).Add(n);

        int rewritten = 0;
        foreach (var softmax in graph.Node.Where(n => n.OpType == "Softmax").ToList())
        {
            long axis = OnnxTypes.Attribute(softmax, "axis")?.I ?? -1;
            string p = softmax.Output[0];
            if (axis != 1 || graphOutputs.Contains(p) || !consumers.TryGetValue(p, out var readers) || readers.Count != 1) continue;
            var conv = readers[0];
            if (conv.OpType != "Conv" || conv.Input[0] != p) continue;
            string? bias = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? conv.Input[2] : null;
            if (bias is not null && (!initializers.TryGetValue(bias, out var b) || b.Dims.Count != 1)) continue;
            if (!initializers.TryGetValue(conv.Input[1], out var w) || w.Dims.Count != 4 || w.Dims[2] != 1 || w.Dims[3] != 1) continue;
            if ((OnnxTypes.Attribute(conv, "group")?.I ?? 1) != 1) continue;
            if (OnnxTypes.Attribute(conv, "strides") is { } st && st.Ints.Any(s => s != 1)) continue;
            if (OnnxTypes.Attribute(conv, "pads") is { } pd && pd.Ints.Any(v => v != 0)) continue;

            string x = softmax.Input[0], prefix = string.IsNullOrEmpty(softmax.Name) ? p : softmax.Name;
            string max = prefix + "_rowmax", shifted = prefix + "_shifted", exp = prefix + "_exp", sum = prefix + "_rowsum", weighted = prefix + "_weighted";
            var nodes = new List<NodeProto>
            {
                Reduce("ReduceMax", x, max, opset >= 18, prefix + "_axes", graph),
                Node("Sub", prefix + "_Sub", shifted, x, max),
                Node("Exp", prefix + "_Exp", exp, shifted),
                Reduce("ReduceSum", exp, sum, true, prefix + "_axes", graph),
            };
            // The expectation conv now reads the unnormalised exponentials and writes a temporary; Div restores its output.
            string result = conv.Output[0];
            conv.Input[0] = exp;
            conv.Output[0] = weighted;
            var after = new List<NodeProto>();
            if (bias is null)
            {
                after.Add(Node("Div", prefix + "_Div", result, weighted, sum));
            }
            else
            {
                // Conv(p) + b = Conv'(e) / s + b: the bias leaves the convolution and is added, as [C,1,1], after the division.
                while (conv.Input.Count > 2) conv.Input.RemoveAt(conv.Input.Count - 1);
                var chw = initializers[bias].Clone();
                chw.Name = bias + "_chw";
                chw.Dims.Clear();
                chw.Dims.AddRange(new long[] { initializers[bias].Dims[0], 1, 1 });
                if (!graph.Initializer.Any(i => i.Name == chw.Name)) graph.Initializer.Add(chw);
                after.Add(Node("Div", prefix + "_Div", prefix + "_normalised", weighted, sum));
                after.Add(Node("Add", prefix + "_BiasAdd", result, prefix + "_normalised", chw.Name));
            }

            int at = graph.Node.IndexOf(softmax);
            graph.Node.RemoveAt(at);
            for (int i = 0; i < nodes.Count; i++) graph.Node.Insert(at + i, nodes[i]);
            int convAt = graph.Node.IndexOf(conv);
            for (int i = 0; i < after.Count; i++) graph.Node.Insert(convAt + 1 + i, after[i]);
            rewritten++;
        }
        if (rewritten > 0) graph.ValueInfo.Clear();
        return rewritten;
    }

    private static NodeProto Reduce(string op, string input, string output, bool axesAsInput, string axesName, GraphProto graph)
    {
        var node = Node(op, output + "_" + op, output, input);
        node.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        if (axesAsInput)
        {
            if (!graph.Initializer.Any(i => i.Name == axesName))
            {
                var axes = new TensorProto { Name = axesName, DataType = OnnxTypes.Int64 };
                axes.Dims.Add(1);
                axes.Int64Data.Add(1);
                graph.Initializer.Add(axes);
            }
            node.Input.Add(axesName);
        }
        else
        {
            var a = new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.Add(1);
            node.Attribute.Add(a);
        }
        return node;
    }

    private static NodeProto Node(string op, string name, string output, params string[] inputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }
}
