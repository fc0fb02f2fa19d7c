using Google.Protobuf;
using Onnx;
using PdnColorize.Engines.Conversion;

namespace PdnColorize.Calibration;

/// <summary>
/// Finds a model's float32 activations (graph inputs and node outputs, not weights or constants) and writes the
/// "augmented" model that returns every one of them as an extra graph output, so one FP32 run yields them all.
/// </summary>
public static class ActivationScanner
{
    /// <summary>Nodes that only move or inspect a tensor: reading a float through them is not computing with it.</summary>
    private static readonly HashSet<string> NonComputing = new() { "Cast", "Shape", "Size", "Identity", "CastLike" };

    public sealed record Scan(IReadOnlyList<string> Activations, IReadOnlyList<string> Computed, int Opset);

    /// <summary>
    /// The float32 activations in graph order. <see cref="Scan.Computed"/> is the subset that a computing node reads:
    /// a model without any (an FP16 or already quantised model, or one that only casts) has nothing to calibrate.
    /// </summary>
    public static Scan Find(ModelProto model)
    {
        var graph = model.Graph;
        var types = OnnxTypes.Infer(graph);
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var constants = graph.Node.Where(n => n.OpType is "Constant" or "ConstantOfShape").SelectMany(n => n.Output).ToHashSet();
        var readers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
            foreach (var input in node.Input)
                if (input.Length > 0) (readers.TryGetValue(input, out var list) ? list : readers[input] = new()).Add(node);

        bool IsFloat(string name) => types.TryGetValue(name, out var t) && t == OnnxTypes.Float;
        var activations = new List<string>();
        var seen = new HashSet<string>();
        void Consider(string name)
        {
            if (name.Length == 0 || initializers.Contains(name) || constants.Contains(name) || !IsFloat(name) || !seen.Add(name)) return;
            activations.Add(name);
        }
        foreach (var input in graph.Input) Consider(input.Name);
        foreach (var node in graph.Node)
            foreach (var output in node.Output) Consider(output);

        var computed = activations.Where(a => readers.TryGetValue(a, out var r) && r.Any(n => !NonComputing.Contains(n.OpType))).ToList();
        int opset = (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0);
        return new Scan(activations, computed, opset);
    }

    /// <summary>
    /// A copy of the model whose outputs are the original ones followed by every listed activation (graph inputs
    /// excepted: their values are what the caller feeds).
    /// </summary>
    public static ModelProto Augment(ModelProto model, IEnumerable<string> activations)
    {
        var copy = model.Clone();
        var outputs = copy.Graph.Output.Select(o => o.Name).Concat(copy.Graph.Input.Select(i => i.Name)).ToHashSet();
        foreach (var name in activations)
        {
            if (!outputs.Add(name)) continue;
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTypes.Float } },
            });
        }
        return copy;
    }

    public static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    public static void Save(ModelProto model, string path) => File.WriteAllBytes(path, model.ToByteArray());
}
