using Google.Protobuf;
using Onnx;
using PdnColorize.Engines.Conversion;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Calibration;

/// <summary>Choices of the QDQ model.</summary>
public sealed record QdqOptions
{
    /// <summary>
    /// Keep the decoding tail in float: the last Softmax, what follows it, and the layer that makes its logits (when
    /// at most two Conv/MatMul/Gemm follow the Softmax, i.e. it decodes rather than attends). Logits quantised to
    /// 8 bits shift the softmax's probabilities, so the colours move; the tail is a small share of the work.
    /// </summary>
    public bool KeepFloatTail { get; init; } = true;

    /// <summary>Quantise Add of two activations (residual and skip joins) so ORT runs them as QLinearAdd.</summary>
    public bool QuantizeAdd { get; init; } = true;

    /// <summary>Quantise MatMul of two activations (attention scores); off by default: little work, much error.</summary>
    public bool QuantizeActivationMatMul { get; init; }

    /// <summary>Rewrite Softmax(axis=1) + 1x1 expectation Conv into the float-exact form ORT's CPU runs fast (<see cref="SoftmaxRewrite"/>).</summary>
    public bool RewriteSoftmax { get; init; } = true;
}

/// <summary>What the QDQ rewrite did.</summary>
public sealed record QdqReport(
    int QuantizedNodes,
    int QuantizedActivations,
    int QuantizedWeights,
    int RelusFolded,
    IReadOnlyList<string> FloatTail,
    IReadOnlyList<string> MissingRanges,
    int BiasesClamped,
    int SoftmaxRewritten = 0);

/// <summary>
/// Rewrites an FP32 model into ONNX's QDQ form for ONNX Runtime's CPU (and CUDA) providers: QuantizeLinear +
/// DequantizeLinear pairs on activations (uint8, asymmetric, from the calibrated ranges), weights of Conv, MatMul and
/// Gemm stored as int8 with symmetric per-output-channel scales behind a DequantizeLinear, biases as int32 at
/// scale input x weight. ORT fuses DQ -> op -> Q into QLinearConv / QLinearMatMul / QLinearAdd. A Relu right after a
/// quantised op is folded into the op's output quantisation (its range starts at 0, so the zero point is 0 and
/// quantising clips the negatives, which is what Relu does).
/// </summary>
public static class QdqBuilder
{
    public const string Version = "qdq-1";

    private static readonly HashSet<string> HeavyOps = new() { "Conv", "MatMul", "Gemm", "ConvTranspose" };
    private static readonly HashSet<string> ScalingOps = new() { "Mul", "Add", "Sub", "Div" };

    public static ModelProto Build(ModelProto source, IReadOnlyDictionary<string, TensorRange> ranges, QdqOptions options, out QdqReport report)
    {
        var model = source.Clone();
        var graph = model.Graph;
        int opset = (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0);
        if (opset < 13)
            throw new NotSupportedException($"the model uses opset {opset}; per-channel QDQ needs opset 13 or later (re-export it with a newer opset)");

        var types = OnnxTypes.Infer(graph);
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var names = new HashSet<string>(graph.Node.SelectMany(n => n.Output).Concat(graph.Node.SelectMany(n => n.Input))
            .Concat(initializers.Keys).Concat(graph.Input.Select(i => i.Name)).Concat(graph.Node.Select(n => n.Name)));
        string Unique(string wanted)
        {
            string name = wanted;
            for (int i = 2; !names.Add(name); i++) name = $"{wanted}_{i}";
            return name;
        }

        bool IsFloat(string t) => t.Length > 0 && types.TryGetValue(t, out var ty) && ty == OnnxTypes.Float;
        bool IsWeight(string t) => initializers.TryGetValue(t, out var init) && init.DataType == OnnxTypes.Float;
        bool IsActivation(string t) => IsFloat(t) && !initializers.ContainsKey(t);
        bool HasRange(string t) => ranges.ContainsKey(t);

        // 1. The float tail.
        var (producer, consumers) = Index(graph);
        var tail = options.KeepFloatTail ? FloatTail(graph, producer, consumers, initializers) : new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);

        // 2. Which nodes run quantised.
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        bool Quantizable(NodeProto n)
        {
            if (tail.Contains(n)) return false;
            var activations = n.Input.Where(IsActivation).ToList();
            bool ok = n.OpType switch
            {
                "Conv" => n.Input.Count >= 2 && IsWeight(n.Input[1]) && IsActivation(n.Input[0])
                          && (n.Input.Count < 3 || n.Input[2].Length == 0 || IsWeight(n.Input[2])),
                "MatMul" => (IsActivation(n.Input[0]) && IsWeight(n.Input[1]) && initializers[n.Input[1]].Dims.Count == 2)
                            || (options.QuantizeActivationMatMul && IsActivation(n.Input[0]) && IsActivation(n.Input[1])),
                "Gemm" => IsActivation(n.Input[0]) && IsWeight(n.Input[1]) && initializers[n.Input[1]].Dims.Count == 2
                          && (n.Input.Count < 3 || n.Input[2].Length == 0 || (IsWeight(n.Input[2]) && initializers[n.Input[2]].Dims.Count <= 1))
                          && Float(n, "alpha", 1f) == 1f && Float(n, "beta", 1f) == 1f && Int(n, "transA", 0) == 0,
                "Add" => options.QuantizeAdd && n.Input.Count == 2 && IsActivation(n.Input[0]) && IsActivation(n.Input[1]),
                _ => false,
            };
            if (!ok) return false;
            foreach (var a in activations)
                if (!HasRange(a)) { missing.Add(a); return false; }
            return true;
        }
        var quantized = new HashSet<NodeProto>(graph.Node.Where(Quantizable), ReferenceEqualityComparer.Instance);
        int softmaxRewritten = options.RewriteSoftmax ? SoftmaxRewrite.Apply(model) : 0; // float nodes only: the choice above stands
        if (softmaxRewritten > 0) (producer, consumers) = Index(graph);
        var tailNames = tail.Select(n => string.IsNullOrEmpty(n.Name) ? n.OpType : n.Name).ToList();

        // 3. Relu folded into the output quantisation of the op before it.
        var effective = new Dictionary<string, TensorRange>(ranges, StringComparer.Ordinal);
        int relusFolded = 0;
        foreach (var relu in graph.Node.Where(n => n.OpType == "Relu" && !tail.Contains(n)).ToList())
        {
            string t = relu.Input[0], r = relu.Output[0];
            if (!producer.TryGetValue(t, out var p) || !quantized.Contains(p) || graphOutputs.Contains(t) || graphOutputs.Contains(r)
                || consumers[t].Count != 1 || !HasRange(r)) continue;
            for (int i = 0; i < p.Output.Count; i++) if (p.Output[i] == t) p.Output[i] = r;
            graph.Node.Remove(relu);
            var range = ranges[r];
            effective[r] = range with { Low = 0, High = Math.Max(range.High, 0) };
            relusFolded++;
        }
        (producer, consumers) = Index(graph);

        // 4. Activations to quantise: every float activation a quantised node reads or writes (with a range).
        var toQuantize = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in quantized)
        {
            foreach (var i in n.Input) if (IsActivation(i) && HasRange(i)) toQuantize.Add(i);
            foreach (var o in n.Output)
            {
                if (!IsFloat(o)) continue;
                if (!effective.ContainsKey(o)) { missing.Add(o); continue; }
                bool isRead = consumers.TryGetValue(o, out var cs) && cs.Count > 0;
                if (isRead) toQuantize.Add(o); // a graph output nobody reads stays float
            }
        }

        // 5. Q/DQ pairs, one per tensor, shared by all readers; graph outputs keep the float tensor.
        var qParams = new Dictionary<string, (float Scale, byte ZeroPoint)>(StringComparer.Ordinal);
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var t in toQuantize)
        {
            var (scale, zp) = ActivationParams(effective[t]);
            qParams[t] = (scale, zp);
            string scaleName = Unique(t + "_scale"), zpName = Unique(t + "_zero_point");
            string q = Unique(t + "_quantized"), dq = Unique(t + "_dequantized");
            graph.Initializer.Add(Scalar(scaleName, scale));
            graph.Initializer.Add(new TensorProto { Name = zpName, DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(zp) });
            var qNode = new NodeProto { OpType = "QuantizeLinear", Name = Unique(t + "_QuantizeLinear") };
            qNode.Input.Add(t); qNode.Input.Add(scaleName); qNode.Input.Add(zpName);
            qNode.Output.Add(q);
            var dqNode = new NodeProto { OpType = "DequantizeLinear", Name = Unique(t + "_DequantizeLinear") };
            dqNode.Input.Add(q); dqNode.Input.Add(scaleName); dqNode.Input.Add(zpName);
            dqNode.Output.Add(dq);
            pairs[t] = new() { qNode, dqNode };
            dequantized[t] = dq;
        }
        foreach (var n in graph.Node)
            for (int i = 0; i < n.Input.Count; i++)
                if (dequantized.TryGetValue(n.Input[i], out var dq)) n.Input[i] = dq;

        // 6. Weights: int8, symmetric, per output channel; biases int32 at input scale x weight scale.
        var front = new List<NodeProto>();

        // A constant stored quantized (int8 weights, int32 biases) with its scales, a zero point of zeros and the
        // DequantizeLinear that turns it back into float; returns the float tensor's name.
        string AddDequantized(string name, TensorProto.Types.DataType type, byte[] raw, IEnumerable<long> dims, float[] scales, int zeroPointBytes, long axis)
        {
            string qName = Unique(name + "_quantized"), sName = Unique(name + "_scale"), zName = Unique(name + "_zero_point");
            var qTensor = new TensorProto { Name = qName, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
            qTensor.Dims.AddRange(dims);
            graph.Initializer.Add(qTensor);
            graph.Initializer.Add(Vector(sName, scales));
            var zp = new TensorProto { Name = zName, DataType = (int)type, RawData = ByteString.CopyFrom(new byte[zeroPointBytes * scales.Length]) };
            zp.Dims.Add(scales.Length);
            graph.Initializer.Add(zp);
            string output = Unique(name + "_dequantized");
            var dq = new NodeProto { OpType = "DequantizeLinear", Name = Unique(name + "_DequantizeLinear") };
            dq.Input.Add(qName); dq.Input.Add(sName); dq.Input.Add(zName);
            dq.Output.Add(output);
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
            front.Add(dq);
            return output;
        }
        var weightDq = new Dictionary<string, (string Output, float[] Scales)>(StringComparer.Ordinal);
        int weights = 0, biasesClamped = 0;
        foreach (var n in graph.Node.Where(quantized.Contains).ToList())
        {
            if (n.OpType is not ("Conv" or "MatMul" or "Gemm") || !IsWeight(n.Input[1])) continue; // Add, activation MatMul: no weights
            const int wIndex = 1;
            string w = n.Input[wIndex];
            int axis = n.OpType switch
            {
                "MatMul" => 1,
                "Gemm" => Int(n, "transB", 0) == 1 ? 0 : 1,
                _ => 0,
            };
            // A bias must fit int32 at scale s_x * s_w: where a channel's weights are tiny next to its bias, its weight scale grows.
            float[]? minScales = null;
            if (n.OpType is "Conv" or "Gemm" && n.Input.Count >= 3 && n.Input[2].Length > 0 && IsWeight(n.Input[2])
                && qParams.TryGetValue(OriginalName(n.Input[0], dequantized), out var inParams))
                minScales = Fp16Converter.FloatValues(initializers[n.Input[2]]).Select(b => (float)(Math.Abs(b) / (inParams.Scale * (double)BiasLimit))).ToArray();
            if (!weightDq.TryGetValue(w, out var wq))
            {
                var init = initializers[w];
                var (q8, scales) = QuantizeWeights(Fp16Converter.FloatValues(init), init.Dims.ToArray(), axis, minScales);
                string output = AddDequantized(w, TensorProto.Types.DataType.Int8, (byte[])(Array)q8, init.Dims, scales, 1, axis);
                wq = (output, scales);
                weightDq[w] = wq;
                weights++;
            }
            n.Input[wIndex] = wq.Output;

            // Bias (Conv input 2, Gemm C): int32 at scale s_x * s_w[c] so the fused kernel adds it in the accumulator.
            if (n.OpType is "Conv" or "Gemm" && n.Input.Count >= 3 && n.Input[2].Length > 0 && IsWeight(n.Input[2]))
            {
                string x = OriginalName(n.Input[0], dequantized);
                if (!qParams.TryGetValue(x, out var xp)) continue;
                var bias = Fp16Converter.FloatValues(initializers[n.Input[2]]);
                if (bias.Length != wq.Scales.Length) continue; // broadcast bias: leave float
                var bScales = new float[bias.Length];
                var bq = new int[bias.Length];
                for (int c = 0; c < bias.Length; c++)
                {
                    bScales[c] = xp.Scale * wq.Scales[c];
                    double v = Math.Round(bias[c] / (double)bScales[c], MidpointRounding.ToEven);
                    if (v > BiasLimit || v < -BiasLimit) biasesClamped++;
                    bq[c] = (int)Math.Clamp(v, -BiasLimit, BiasLimit);
                }
                var raw = new byte[bq.Length * 4];
                Buffer.BlockCopy(bq, 0, raw, 0, raw.Length);
                n.Input[2] = AddDequantized(n.Input[2], TensorProto.Types.DataType.Int32, raw, new long[] { bq.Length }, bScales, 4, 0);
            }
        }

        // 7. Node order: weight DQs, Q/DQ of graph inputs, then each node followed by the Q/DQ of its outputs.
        var ordered = new List<NodeProto>(front);
        foreach (var input in graph.Input)
            if (pairs.TryGetValue(input.Name, out var list)) ordered.AddRange(list);
        foreach (var n in graph.Node)
        {
            ordered.Add(n);
            foreach (var o in n.Output)
                if (pairs.TryGetValue(o, out var list)) ordered.AddRange(list);
        }
        graph.Node.Clear();
        graph.Node.AddRange(ordered);

        // 8. Float weights no node reads any more are dropped; value_info is cleared (ORT infers it again).
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();
        var unused = graph.Initializer.Where(i => !read.Contains(i.Name) && !graphOutputs.Contains(i.Name)).ToList();
        foreach (var i in unused) graph.Initializer.Remove(i);
        graph.ValueInfo.Clear();

        report = new QdqReport(quantized.Count, toQuantize.Count, weights, relusFolded, tailNames, missing.ToList(), biasesClamped, softmaxRewritten);
        return model;
    }

    /// <summary>uint8 asymmetric scale and zero point of a range (widened to hold 0, as ONNX quantisation requires).</summary>
    public static (float Scale, byte ZeroPoint) ActivationParams(TensorRange range)
    {
        float lo = Math.Min(range.Low, 0f), hi = Math.Max(range.High, 0f);
        if (!(hi - lo > 1e-12f)) return (1f, 0);
        float scale = (hi - lo) / 255f;
        double zp = Math.Round(-lo / scale, MidpointRounding.ToEven);
        return (scale, (byte)Math.Clamp(zp, 0, 255));
    }

    /// <summary>Largest |int32 bias| written (headroom below int.MaxValue for the accumulator's sums).</summary>
    private const int BiasLimit = 1 << 30;

    /// <summary>
    /// Largest |weight| code: 7 bits, not 8. ORT's x86 INT8 kernels without VNNI (AVX2, plain AVX-512: many users'
    /// CPUs) multiply uint8 activations by int8 weights in pairs summed into int16 (vpmaddubsw), which saturates once
    /// 2 x 255 x |w| passes 32767; with |w| <= 63 it cannot (2 x 255 x 63 = 32130). With 127 the same QDQ model was
    /// fine on an AVX-512 VNNI build box and off by 9.8 mean ΔE2000 on an AVX2 one (docs/calibration.md).
    /// </summary>
    public const int WeightLimit = 63;

    /// <summary>
    /// Symmetric int8 per channel along <paramref name="axis"/>: scale = max|w| / <see cref="WeightLimit"/> (at least
    /// <paramref name="minScales"/>[c] when given), values in [-WeightLimit, WeightLimit].
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizeWeights(float[] w, long[] dims, int axis, float[]? minScales = null)
    {
        int channels = (int)dims[axis];
        long inner = 1;
        for (int d = axis + 1; d < dims.Length; d++) inner *= dims[d];
        var maxAbs = new float[channels];
        for (long i = 0; i < w.Length; i++)
        {
            int c = (int)(i / inner % channels);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(w[i]));
        }
        var scales = maxAbs.Select(m => m > 0 ? m / WeightLimit : 1f).ToArray();
        if (minScales is not null && minScales.Length == channels)
            for (int c = 0; c < channels; c++)
                if (float.IsFinite(minScales[c]) && minScales[c] > scales[c]) scales[c] = minScales[c];
        var q = new sbyte[w.Length];
        for (long i = 0; i < w.Length; i++)
        {
            int c = (int)(i / inner % channels);
            q[i] = (sbyte)Math.Clamp(Math.Round(w[i] / scales[c], MidpointRounding.ToEven), -WeightLimit, WeightLimit);
        }
        return (q, scales);
    }

    /// <summary>
    /// The decoding tail: the last Softmax whose descendants hold at most two heavy ops, those descendants, and the
    /// heavy op that makes its logits (through constant scalings).
    /// </summary>
    internal static HashSet<NodeProto> FloatTail(GraphProto graph, Dictionary<string, NodeProto> producer,
        Dictionary<string, List<NodeProto>> consumers, Dictionary<string, TensorProto> initializers)
    {
        var tail = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var softmax = graph.Node.LastOrDefault(n => n.OpType is "Softmax" or "LogSoftmax");
        if (softmax is null) return tail;
        var below = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance) { softmax };
        var queue = new Queue<NodeProto>(below);
        while (queue.Count > 0)
            foreach (var o in queue.Dequeue().Output)
                if (consumers.TryGetValue(o, out var cs))
                    foreach (var c in cs) if (below.Add(c)) queue.Enqueue(c);
        if (below.Count(n => HeavyOps.Contains(n.OpType)) > 2) return tail;
        tail.UnionWith(below);
        string logits = softmax.Input[0];
        while (producer.TryGetValue(logits, out var p))
        {
            if (HeavyOps.Contains(p.OpType))
            {
                tail.Add(p);
                break;
            }
            var variable = p.Input.Where(i => i.Length > 0 && !initializers.ContainsKey(i)
                && !(producer.TryGetValue(i, out var c) && c.OpType == "Constant")).ToList();
            if (!ScalingOps.Contains(p.OpType) || variable.Count != 1) break;
            tail.Add(p); // a scaling by a constant (temperature, offset) between the logits and the softmax
            logits = variable[0];
        }
        return tail;
    }

    private static (Dictionary<string, NodeProto> Producer, Dictionary<string, List<NodeProto>> Consumers) Index(GraphProto graph)
    {
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            foreach (var o in n.Output) if (o.Length > 0) producer[o] = n;
            foreach (var i in n.Input) if (i.Length > 0) (consumers.TryGetValue(i, out var l) ? l : consumers[i] = new()).Add(n);
        }
        return (producer, consumers);
    }

    private static string OriginalName(string input, Dictionary<string, string> dequantized) =>
        dequantized.FirstOrDefault(kv => kv.Value == input).Key ?? input;

    private static float Float(NodeProto n, string name, float fallback) => OnnxTypes.Attribute(n, name) is { } a ? a.F : fallback;

    private static long Int(NodeProto n, string name, long fallback) => OnnxTypes.Attribute(n, name) is { } a ? a.I : fallback;

    private static TensorProto Scalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = OnnxTypes.Float };
        t.FloatData.Add(value);
        return t;
    }

    private static TensorProto Vector(string name, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = OnnxTypes.Float };
        t.Dims.Add(values.Length);
        t.FloatData.AddRange(values);
        return t;
    }
}
