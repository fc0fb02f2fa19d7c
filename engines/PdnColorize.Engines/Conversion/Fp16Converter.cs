using Google.Protobuf;
using Onnx;

namespace PdnColorize.Engines.Conversion;

/// <summary>
/// Makes an FP16 model from an FP32 one: weights and activations in half precision, with FP32 "islands" where half
/// precision overflows or loses the plot (reductions, powers, roots, softmax, normalisations) and float32 I/O so the
/// contract holds. Casts are inserted only at island edges, one per tensor shared by all its readers, and cheap
/// neighbours join or leave islands wherever that saves casts.
/// </summary>
public static class Fp16Converter
{
    /// <summary>Bump when the conversion changes: it is part of every cache key of a converted model.</summary>
    public const string Version = "fp16-2";

    /// <summary>
    /// Ops kept in FP32: their intermediate values overflow (sums of squares) or need the mantissa. The fused
    /// LayerNormalization op is not here: ORT's kernels accumulate its statistics in FP32 internally, and keeping
    /// it (and its two casts) in FP32 in every ConvNeXt block made the FP16 model slower than FP32 on the H200.
    /// A layer norm written out as ReduceMean/Pow/Sqrt is still caught by those ops.
    /// </summary>
    public static readonly IReadOnlySet<string> Fp32Islands = new HashSet<string>
    {
        "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL2", "ReduceLogSumExp", "Pow", "Sqrt", "Reciprocal",
        "Softmax", "LogSoftmax", "GroupNormalization", "InstanceNormalization",
        "Exp", "Log", "CumSum", "Range",
    };

    /// <summary>Where the time goes: these stay FP16 (tensor cores) whatever their neighbours are.</summary>
    private static readonly HashSet<string> HeavyOps = new() { "Conv", "ConvTranspose", "MatMul", "Gemm", "Einsum", "BatchNormalization" };

    /// <summary>Ops whose inputs may be any precision and need no cast (they read only shapes or pass through).</summary>
    private static readonly HashSet<string> PrecisionNeutral = new() { "Shape", "Size" };

    /// <summary>Inputs that the ONNX spec fixes to float32 whatever the data type (Resize's roi and scales).</summary>
    private static bool InputStaysFloat32(NodeProto node, int index) =>
        (node.OpType == "Resize" && index is 1 or 2) || (node.OpType == "Upsample" && index == 1);

    public sealed record Report(int NodesFp16, int NodesFp32, int CastsInserted, int InitializersConverted);

    public static ModelProto Convert(ModelProto source, out Report report)
    {
        var model = source.Clone();
        var graph = model.Graph;
        var types = OnnxTypes.Infer(graph);
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet();
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();

        bool IsFloat(string name) => name.Length > 0 && types.TryGetValue(name, out var t) && OnnxTypes.IsFloating(t);
        bool IsNeutralSource(string name) => initializers.ContainsKey(name);

        // Producers and consumers of each tensor.
        var producer = new Dictionary<string, NodeProto>();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
        {
            foreach (var o in node.Output) producer[o] = node;
            foreach (var i in node.Input) if (i.Length > 0) (consumers.TryGetValue(i, out var l) ? l : consumers[i] = new()).Add(node);
        }

        // 1. Which nodes compute in FP16: those touching floats, except the islands, casts and neutral ops.
        var half = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node)
        {
            bool touchesFloat = node.Input.Any(IsFloat) || node.Output.Any(IsFloat);
            if (touchesFloat && !Fp32Islands.Contains(node.OpType) && !PrecisionNeutral.Contains(node.OpType)
                && node.OpType is not ("Cast" or "Constant" or "ConstantOfShape" or "QuantizeLinear" or "DequantizeLinear"))
                half.Add(node);
        }

        // 2. Fewest casts: cheap nodes (elementwise, structural) next to islands move in or out of them whenever that
        //    lowers the number of casts the graph needs; heavy nodes stay FP16, islands stay FP32. Greedy descent,
        //    each flip strictly lowers the count, so it ends.
        var constants = graph.Node.Where(n => n.OpType == "Constant").SelectMany(n => n.Output).ToHashSet();
        bool Adaptable(string t) => IsNeutralSource(t) || constants.Contains(t);
        int CastCount()
        {
            var needed = new HashSet<(string, bool)>();
            foreach (var node in graph.Node)
            {
                if (node.OpType == "Cast" || PrecisionNeutral.Contains(node.OpType)) continue;
                bool nodeHalf = half.Contains(node);
                for (int i = 0; i < node.Input.Count; i++)
                {
                    string t = node.Input[i];
                    if (!IsFloat(t) || Adaptable(t)) continue;
                    bool want = nodeHalf && !InputStaysFloat32(node, i);
                    bool have = producer.TryGetValue(t, out var p) && half.Contains(p);
                    if (want != have) needed.Add((t, want));
                }
            }
            foreach (var o in graphOutputs)
                if (producer.TryGetValue(o, out var p) && half.Contains(p)) needed.Add((o, false));
            return needed.Count;
        }
        var flippable = graph.Node.Where(n => half.Contains(n) && !HeavyOps.Contains(n.OpType)).ToList();
        int best = CastCount();
        for (bool improved = true; improved;)
        {
            improved = false;
            foreach (var node in flippable)
            {
                bool wasHalf = half.Contains(node);
                if (wasHalf) half.Remove(node); else half.Add(node);
                int cost = CastCount();
                if (cost < best) { best = cost; improved = true; }
                else if (wasHalf) half.Add(node); else half.Remove(node);
            }
        }

        // 3. Precision of each float tensor after conversion.
        var isHalf = new Dictionary<string, bool>();
        foreach (var node in graph.Node)
            foreach (var o in node.Output)
                if (IsFloat(o)) isHalf[o] = half.Contains(node);
        // Constants read only by FP16 nodes become FP16 constants.
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant"))
        {
            var value = OnnxTypes.Attribute(node, "value")?.T;
            string o = node.Output[0];
            if (value is { DataType: OnnxTypes.Float } && consumers.TryGetValue(o, out var cs) && cs.All(half.Contains)
                && !graphOutputs.Contains(o) && cs.All(c => !c.Input.Select((n, i) => (n, i)).Any(p => p.n == o && InputStaysFloat32(c, p.i))))
            {
                ToHalf(value);
                isHalf[o] = true;
            }
        }

        // 4. Initializers: converted in place when every reader is FP16, duplicated when readers are mixed.
        int initConverted = 0;
        var halfCopies = new Dictionary<string, string>();
        foreach (var init in graph.Initializer.ToList())
        {
            if (init.DataType != OnnxTypes.Float || !consumers.TryGetValue(init.Name, out var cs)) continue;
            bool Wants16(NodeProto c) => half.Contains(c) && !c.Input.Select((n, i) => (n, i)).Any(p => p.n == init.Name && InputStaysFloat32(c, p.i));
            if (cs.All(Wants16) && !graphOutputs.Contains(init.Name))
            {
                ToHalf(init);
                isHalf[init.Name] = true;
                initConverted++;
            }
            else if (cs.Any(Wants16))
            {
                var copy = init.Clone();
                copy.Name = init.Name + "__fp16";
                ToHalf(copy);
                graph.Initializer.Add(copy);
                halfCopies[init.Name] = copy.Name;
                isHalf[init.Name] = false;
                initConverted++;
            }
            else isHalf[init.Name] = false;
        }
        foreach (var i in graphInputs) if (IsFloat(i)) isHalf[i] = false;

        // 5. Graph outputs produced in FP16 are renamed inside the graph and cast back to float32 under their name.
        var newNodes = new List<NodeProto>();
        var renamed = new Dictionary<string, string>();
        foreach (var o in graphOutputs)
            if (isHalf.TryGetValue(o, out var h) && h) renamed[o] = o + "__fp16";

        // 6. Casts at the edges, one per (tensor, direction), placed right after the tensor's producer.
        var casts = new Dictionary<(string, bool), string>();
        var castAfter = new Dictionary<string, List<NodeProto>>();
        int castCount = 0;
        string Cast(string tensor, bool toHalf)
        {
            if (casts.TryGetValue((tensor, toHalf), out var name)) return name;
            name = tensor + (toHalf ? "__to_fp16" : "__to_fp32");
            var cast = new NodeProto { OpType = "Cast", Name = name + "_cast" };
            cast.Input.Add(renamed.GetValueOrDefault(tensor, tensor));
            cast.Output.Add(name);
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = toHalf ? OnnxTypes.Float16 : OnnxTypes.Float });
            (castAfter.TryGetValue(tensor, out var l) ? l : castAfter[tensor] = new()).Add(cast);
            casts[(tensor, toHalf)] = name;
            castCount++;
            return name;
        }

        foreach (var node in graph.Node)
        {
            bool nodeHalf = half.Contains(node);
            for (int i = 0; i < node.Input.Count; i++)
            {
                string input = node.Input[i];
                if (!IsFloat(input) || PrecisionNeutral.Contains(node.OpType)) { node.Input[i] = renamed.GetValueOrDefault(input, input); continue; }
                bool want16 = nodeHalf && !InputStaysFloat32(node, i);
                if (node.OpType == "Cast") want16 = isHalf.GetValueOrDefault(input); // a cast reads whatever it gets
                if (want16 && halfCopies.TryGetValue(input, out var copy)) { node.Input[i] = copy; continue; }
                bool have16 = isHalf.GetValueOrDefault(input);
                node.Input[i] = have16 == want16 ? renamed.GetValueOrDefault(input, input) : Cast(input, want16);
            }
            for (int o = 0; o < node.Output.Count; o++)
                if (renamed.TryGetValue(node.Output[o], out var r)) node.Output[o] = r;
        }

        foreach (var node in graph.Node)
        {
            newNodes.Add(node);
            foreach (var o in node.Output)
            {
                string original = renamed.FirstOrDefault(kv => kv.Value == o).Key ?? o;
                if (castAfter.TryGetValue(original, out var list)) newNodes.AddRange(list);
            }
        }
        // Casts of graph inputs and initializers go first.
        var front = castAfter.Where(kv => !producer.ContainsKey(kv.Key)).SelectMany(kv => kv.Value).ToList();
        foreach (var o in renamed.Keys)
        {
            var back = new NodeProto { OpType = "Cast", Name = o + "__output_cast" };
            back.Input.Add(renamed[o]);
            back.Output.Add(o);
            back.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = OnnxTypes.Float });
            newNodes.Add(back);
            castCount++;
        }
        graph.Node.Clear();
        graph.Node.AddRange(front);
        graph.Node.AddRange(newNodes);
        graph.ValueInfo.Clear(); // types changed; ORT infers them again

        report = new Report(half.Count, graph.Node.Count - half.Count - castCount, castCount, initConverted);
        return model;
    }

    /// <summary>Reads an ONNX file, converts it and writes the FP16 model.</summary>
    /// <remarks>
    /// The I/O stays float32 on purpose: float16 I/O (the boundary casts moved to the host) was measured slower, the
    /// host's float/half conversion costing more than the halved copies save (docs/performance.md, "Float16 I/O").
    /// </remarks>
    public static Report ConvertFile(string input, string output)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(input));
        var converted = Convert(model, out var report);
        File.WriteAllBytes(output, converted.ToByteArray());
        return report;
    }

    /// <summary>Rewrites a float32 tensor as float16 (raw little-endian), saturating at ±65504 instead of overflowing to infinity.</summary>
    internal static void ToHalf(TensorProto tensor)
    {
        float[] values = FloatValues(tensor);
        var raw = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            float v = Math.Clamp(values[i], -65504f, 65504f);
            BitConverter.TryWriteBytes(raw.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)v));
        }
        tensor.FloatData.Clear();
        tensor.RawData = ByteString.CopyFrom(raw);
        tensor.DataType = OnnxTypes.Float16;
    }

    public static float[] FloatValues(TensorProto tensor)
    {
        if (tensor.FloatData.Count > 0) return tensor.FloatData.ToArray();
        var raw = tensor.RawData.Span;
        var values = new float[raw.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(raw.Slice(4 * i, 4));
        return values;
    }
}
