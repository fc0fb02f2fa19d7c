using Onnx;

namespace PdnColorize.Engines.Conversion;

/// <summary>
/// Element types of every tensor in a graph, propagated from the declared inputs, initializers and constants through
/// the nodes (ONNX lists nodes in topological order). Enough type inference for precision rewriting and calibration;
/// an op it does not know passes its first input's type on, which is right for the structural ops.
/// </summary>
public static class OnnxTypes
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Float16 = (int)TensorProto.Types.DataType.Float16;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;
    public const int Bool = (int)TensorProto.Types.DataType.Bool;
    public const int Int32 = (int)TensorProto.Types.DataType.Int32;
    public const int UInt8 = (int)TensorProto.Types.DataType.Uint8;

    private static readonly HashSet<string> Int64Outputs = new() { "Shape", "Size", "ArgMax", "ArgMin", "NonZero" };
    private static readonly HashSet<string> BoolOutputs = new()
        { "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf" };

    public static Dictionary<string, int> Infer(GraphProto graph)
    {
        var types = new Dictionary<string, int>();
        foreach (var v in graph.Input) if (v.Type?.TensorType is { } t) types[v.Name] = t.ElemType;
        foreach (var init in graph.Initializer) types[init.Name] = init.DataType;
        foreach (var v in graph.ValueInfo) if (v.Type?.TensorType is { } t && t.ElemType != 0) types.TryAdd(v.Name, t.ElemType);

        foreach (var node in graph.Node)
        {
            for (int o = 0; o < node.Output.Count; o++)
            {
                if (string.IsNullOrEmpty(node.Output[o])) continue;
                int? type = OutputType(node, o, types);
                if (type is { } ty) types[node.Output[o]] = ty;
            }
        }
        foreach (var v in graph.Output) if (v.Type?.TensorType is { } t && t.ElemType != 0) types.TryAdd(v.Name, t.ElemType);
        return types;
    }

    private static int? OutputType(NodeProto node, int output, Dictionary<string, int> types)
    {
        int? In(int i) => i < node.Input.Count && types.TryGetValue(node.Input[i], out var t) ? t : null;
        switch (node.OpType)
        {
            case "Cast": return (int)Attribute(node, "to")!.I;
            case "Constant":
                return Attribute(node, "value")?.T?.DataType ?? (Attribute(node, "value_float") is not null ? Float : Int64);
            case "ConstantOfShape": return Attribute(node, "value")?.T?.DataType ?? Float;
            case "Where": return In(1);
            case "TopK": return output == 1 ? Int64 : In(0);
            case "QuantizeLinear": return In(2) ?? UInt8;
            case "DequantizeLinear": return Float;
            case "MaxPool" when output == 1: return Int64;
        }
        if (Int64Outputs.Contains(node.OpType)) return Int64;
        if (BoolOutputs.Contains(node.OpType)) return Bool;
        if (node.OpType == "Dropout" && output == 1) return Bool;
        for (int i = 0; i < node.Input.Count; i++)
            if (In(i) is { } t) return t;
        return null;
    }

    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static bool IsFloating(int type) => type is Float or Float16;
}
