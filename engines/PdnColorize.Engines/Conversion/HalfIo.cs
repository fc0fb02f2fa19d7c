using Onnx;

namespace PdnColorize.Engines.Conversion;

/// <summary>
/// Gives an FP16 model float16 inputs and outputs: the boundary casts that <see cref="Fp16Converter"/> puts after each
/// float32 input and before each float32 output go, so a run moves half the bytes between host and device and the
/// conversion happens on the host in one SIMD pass (ChromaSession). A reader that wants the input at float32 (an
/// island) gets a cast of its own; an output produced at float32 gets a cast to float16.
/// </summary>
public static class HalfIo
{
    public static void Apply(ModelProto model)
    {
        var graph = model.Graph;
        var front = new List<NodeProto>();
        var back = new List<NodeProto>();
        foreach (var input in graph.Input.Where(IsFloat32))
        {
            string name = input.Name;
            input.Type.TensorType.ElemType = OnnxTypes.Float16;
            var casts = graph.Node.Where(n => IsCastTo(n, OnnxTypes.Float16) && n.Input[0] == name).ToList();
            // Readers that computed on the float32 input (islands; shape readers take any precision) get a cast first...
            var floatReaders = graph.Node.Where(n => n.Input.Contains(name) && !casts.Any(c => ReferenceEquals(c, n)) && n.OpType is not ("Shape" or "Size")).ToList();
            if (floatReaders.Count > 0)
            {
                string asFloat = name + "__as_fp32";
                foreach (var reader in floatReaders)
                    for (int i = 0; i < reader.Input.Count; i++) if (reader.Input[i] == name) reader.Input[i] = asFloat;
                front.Add(CastNode(name, asFloat, OnnxTypes.Float));
            }
            // ...then the converter's casts to float16 go and their readers take the half input directly.
            foreach (var cast in casts)
            {
                graph.Node.Remove(cast);
                Rename(graph, cast.Output[0], name);
            }
        }
        foreach (var output in graph.Output.Where(IsFloat32))
        {
            string name = output.Name;
            output.Type.TensorType.ElemType = OnnxTypes.Float16;
            var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(name));
            if (producer is not null && IsCastTo(producer, OnnxTypes.Float) && !graph.Input.Any(i => i.Name == producer.Input[0]))
            {
                // The converter's cast back to float32: drop it, the half tensor it read becomes the output.
                graph.Node.Remove(producer);
                Rename(graph, producer.Input[0], name);
                continue;
            }
            string asFloat = name + "__fp32";
            Rename(graph, name, asFloat);
            back.Add(CastNode(asFloat, name, OnnxTypes.Float16));
        }
        for (int i = front.Count - 1; i >= 0; i--) graph.Node.Insert(0, front[i]);
        graph.Node.AddRange(back);
    }

    private static bool IsFloat32(ValueInfoProto v) => v.Type?.TensorType?.ElemType == OnnxTypes.Float;

    private static bool IsCastTo(NodeProto node, int type) =>
        node.OpType == "Cast" && OnnxTypes.Attribute(node, "to")?.I == type;

    private static NodeProto CastNode(string from, string to, int type)
    {
        var cast = new NodeProto { OpType = "Cast", Name = to + "_cast" };
        cast.Input.Add(from);
        cast.Output.Add(to);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = type });
        return cast;
    }

    /// <summary>Renames a tensor in the node that writes it and every node that reads it.</summary>
    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
        }
    }
}
