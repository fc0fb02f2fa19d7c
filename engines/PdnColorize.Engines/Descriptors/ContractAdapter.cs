using Google.Protobuf;
using Onnx;
using PdnColorize.Engines.Caching;

namespace PdnColorize.Engines.Descriptors;

/// <summary>What the adapter will do to one model: its descriptor, its I/O, and whether the graph needs rewriting.</summary>
public sealed record AdapterPlan(ModelDescriptor Descriptor, TensorIo Input, TensorIo Output, bool ResizeOutput)
{
    /// <summary>Inputs after the first that the rewrite feeds with zeros (manifest <c>"extra_inputs": "zeros"</c>).</summary>
    public IReadOnlyList<TensorIo> ZeroInputs { get; init; } = [];

    public bool NeedsRewrite => Descriptor != ModelDescriptor.Contract || ResizeOutput || ZeroInputs.Count > 0;
}

/// <summary>
/// The one adapter from every published I/O convention to PdnColorize's internal contract (input [N,3,S,S] gray sRGB
/// 0..1, output [N,2,S,S] Lab ab): it rewrites the ONNX graph once, at load, and caches the result.
/// <para>
/// Why a graph rewrite and not pre/post-processing around Run: the rewritten file IS a contract model, so everything
/// downstream keeps working unchanged and sees the conversions as ordinary nodes: the FP16 converter (the colour maths
/// lands in its FP32 islands: Pow), INT8 calibration (it calibrates the model it is given), TensorRT and CUDA graphs
/// (they run the whole graph on the GPU, conversions included), the session and VRAM caches (keyed by the adapted
/// file's SHA-256), and the NaN guard (it watches the contract output). Code around Run would have had to be repeated
/// in each of those paths.
/// </para>
/// Input side: gray-rgb255 multiplies by 255; L100 takes one channel and computes CIE L* with the same sRGB and Lab
/// constants as the pipeline (CieLab: OpenCV's). Output side: rgb01/rgb255 are clamped to 0..1, linearised, mapped to
/// XYZ (two 1x1 convolutions hold the matrices) and to a,b; the colour image's own L* is dropped, because the pipeline
/// always keeps the photo's L* exactly. An output smaller than the input (or of unknown size) is resized bilinearly to
/// the input's size here, so the pipeline's guided upsampler then takes it to the photo's resolution.
/// </summary>
public static class ContractAdapter
{
    /// <summary>Bump when the rewrite changes: it is part of the cache key of every adapted model.</summary>
    public const string Version = "adapt-1";

    private const string P = "pdnc_adapt_";

    /// <summary>Reads the model's I/O and decides its descriptor (manifest first, then shapes).</summary>
    public static AdapterPlan Plan(string modelPath, ModelManifest? manifest)
    {
        var io = OnnxIo.Read(modelPath);
        var descriptor = DescriptorResolver.Resolve(io, manifest, modelPath);
        var input = io.Inputs[0];
        var output = io.Outputs[0];
        // An output whose size is not provably the input's (fixed and equal, or the same symbolic name) gets a Resize
        // to the input's size; when the sizes do match at run time that Resize is an exact copy.
        bool resize = !(SameDim(input, output, 2) && SameDim(input, output, 3));
        return new AdapterPlan(descriptor, input, output, resize) { ZeroInputs = io.Inputs.Skip(1).ToList() };
    }

    private static bool SameDim(TensorIo a, TensorIo b, int i) =>
        (a.Fixed(i) is { } x && b.Fixed(i) is { } y && x == y) || (a.Symbol(i) is { } s && s == b.Symbol(i));

    /// <summary>
    /// The contract model for a model entry: the file itself when it already fits, else its rewrite from the cache
    /// (built once per model content, descriptor and adapter version).
    /// </summary>
    public static string Prepare(ModelEntry entry, CacheStore cache, Action<string>? log = null)
    {
        var plan = Plan(entry.ModelPath, entry.Manifest);
        if (!plan.NeedsRewrite) return entry.ModelPath;
        string sha = ModelFingerprint.Of(entry.ModelPath);
        var key = new CacheKey(sha, "model", "contract",
            $"{Version} {plan.Descriptor} resize={plan.ResizeOutput} zeros={string.Join(",", plan.ZeroInputs.Select(z => z.Name))}", Versions.Ort);
        return cache.GetOrBuild(key, "model.contract.onnx", temp =>
        {
            log?.Invoke($"adapting {Path.GetFileName(entry.ModelPath)} ({plan.Descriptor}) to the internal contract (once; cached)");
            WriteFile(entry.ModelPath, plan, temp);
        });
    }

    /// <summary>Writes the adapted model of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static void WriteFile(string source, AdapterPlan plan, string destination)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(source);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelContractException($"'{Path.GetFileName(source)}' is not a readable ONNX model: {e.Message}", e);
        }
        File.WriteAllBytes(destination, Rewrite(model, plan).ToByteArray());
    }

    public static ModelProto Rewrite(ModelProto source, AdapterPlan plan)
    {
        long opset = source.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < 11)
            throw new ModelContractException($"The model uses ONNX opset {opset}; adapting its I/O ({plan.Descriptor}) needs opset 11 or later.");
        var model = source.Clone();
        var g = model.Graph;
        var b = new GraphBuilder(g);
        if (model.IrVersion < 4) model.IrVersion = 4; // initializers that are not graph inputs

        string modelIn = plan.Input.Name, modelOut = plan.Output.Name;
        var originalInput = g.Input.First(v => v.Name == modelIn);
        var originalOutput = g.Output.First(v => v.Name == modelOut);

        // Input side: a new graph input "input" (the name TensorRT profiles use) feeds the conversion into the
        // model's own input tensor, renamed if it was called "input" itself.
        string contractIn = "input";
        var head = new List<NodeProto>();
        b.Target = head;
        if (plan.Descriptor.Input != InputConvention.GrayRgb01)
        {
            if (modelIn == contractIn)
            {
                string renamed = P + "model_input";
                RenameUses(g, modelIn, renamed);
                modelIn = renamed;
            }
            if (plan.Descriptor.Input == InputConvention.GrayRgb255)
                b.Op("Mul", [contractIn, b.Const("k255", 255f)], modelIn);
            else
                LightnessOf(b, contractIn, modelIn);
            g.Input.Remove(originalInput);
            g.Input.Insert(0, Tensor(contractIn, originalInput, 3));
        }
        else
        {
            contractIn = modelIn;
        }
        // Extra inputs (e.g. colour hints and their mask): zeros of [N, C, H, W], N, H, W those of the photo input.
        foreach (var extra in plan.ZeroInputs)
        {
            string shape = b.Op("Shape", [contractIn], b.Name("zshape"));
            string n = b.Op("Slice", [shape, b.Int64s("s0", 0), b.Int64s("s1", 1), b.Int64s("axis0", 0)], b.Name("zn"));
            string hw = b.Op("Slice", [shape, b.Int64s("s2", 2), b.Int64s("s4", 4), b.Int64s("axis0", 0)], b.Name("zhw"));
            string dims = b.Op("Concat", [n, b.Int64s($"c{extra.Fixed(1)}", extra.Fixed(1)!.Value), hw], b.Name("zdims"), ("axis", 0L));
            var zero = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            zero.Dims.Add(1);
            zero.FloatData.Add(0f);
            b.Op("ConstantOfShape", [dims], extra.Name, ("value", zero));
            g.Input.Remove(g.Input.First(v => v.Name == extra.Name));
        }
        // Prepend: ONNX lists nodes in topological order.
        for (int i = head.Count - 1; i >= 0; i--) g.Node.Insert(0, head[i]);

        // Output side.
        var tail = new List<NodeProto>();
        b.Target = tail;
        string ab = modelOut;
        if (plan.Descriptor.Output != OutputConvention.LabAb)
        {
            string rgb = modelOut;
            if (plan.Descriptor.Output == OutputConvention.Rgb255) rgb = b.Op("Mul", [rgb, b.Const("inv255", 1f / 255f)], b.Name("rgb01"));
            ab = AbOf(b, rgb);
        }
        if (plan.ResizeOutput) ab = ResizeLike(b, ab, contractIn);
        string contractOut = g.Node.Any(n => n.Output.Contains("ab")) || g.Input.Any(v => v.Name == "ab") ? P + "ab" : "ab";
        b.Op("Identity", [ab], contractOut);
        foreach (var n in tail) g.Node.Add(n);
        g.Output.Remove(originalOutput);
        g.Output.Add(Tensor(contractOut, g.Input.First(v => v.Name == contractIn), 2));
        return model;
    }

    /// <summary>CIE L* (0..100) of gray sRGB in channel 0, as CieLab.FromSrgb computes it for a = b = 0 (Y = linear gray).</summary>
    private static void LightnessOf(GraphBuilder b, string rgb, string result)
    {
        string g = b.Op("Slice", [rgb, b.Int64s("c0", 0), b.Int64s("c1", 1), b.Int64s("axis1", 1)], b.Name("gray"));
        string y = Linearise(b, g);
        string f = b.Op("Pow", [y, b.Const("third", 1f / 3f)], b.Name("cbrt"));
        string high = b.Op("Sub", [b.Op("Mul", [f, b.Const("k116", 116f)], b.Name("l116")), b.Const("k16", 16f)], b.Name("lhigh"));
        string low = b.Op("Mul", [y, b.Const("kappa", 903.3f)], b.Name("llow"));
        b.Op("Where", [b.Op("Greater", [y, b.Const("eps", 0.008856f)], b.Name("lsel")), high, low], result);
    }

    /// <summary>Lab a, b of an sRGB 0..1 image (OpenCV's D65 matrix and white, as CieLab), clamped to the sRGB cube first.</summary>
    private static string AbOf(GraphBuilder b, string rgb)
    {
        string clamped = b.Op("Max", [b.Op("Min", [rgb, b.Const("one", 1f)], b.Name("min1")), b.Const("zero", 0f)], b.Name("clamped"));
        string lin = Linearise(b, clamped);
        const double wx = 0.950456, wz = 1.088754;
        float[] toXyz =
        [
            (float)(0.412453 / wx), (float)(0.357580 / wx), (float)(0.180423 / wx),
            0.212671f, 0.715160f, 0.072169f,
            (float)(0.019334 / wz), (float)(0.119193 / wz), (float)(0.950227 / wz),
        ];
        string xyz = b.Op("Conv", [lin, b.Const("xyz_w", toXyz, 3, 3, 1, 1)], b.Name("xyz"));
        string cube = b.Op("Pow", [xyz, b.Const("third", 1f / 3f)], b.Name("fcube"));
        string lineal = b.Op("Add", [b.Op("Mul", [xyz, b.Const("slope", 7.787f)], b.Name("fslope")), b.Const("f16", 16f / 116f)], b.Name("flin"));
        string f = b.Op("Where", [b.Op("Greater", [xyz, b.Const("eps", 0.008856f)], b.Name("fsel")), cube, lineal], b.Name("f"));
        float[] toAb = [500f, -500f, 0f, 0f, 200f, -200f];
        return b.Op("Conv", [f, b.Const("ab_w", toAb, 2, 3, 1, 1)], b.Name("lab_ab"));
    }

    /// <summary>sRGB companding undone: v / 12.92 up to 0.04045, ((v + 0.055) / 1.055)^2.4 above.</summary>
    private static string Linearise(GraphBuilder b, string v)
    {
        string low = b.Op("Div", [v, b.Const("k1292", 12.92f)], b.Name("lin_low"));
        string shifted = b.Op("Div", [b.Op("Add", [v, b.Const("k0055", 0.055f)], b.Name("lin_add")), b.Const("k1055", 1.055f)], b.Name("lin_div"));
        string high = b.Op("Pow", [shifted, b.Const("k24", 2.4f)], b.Name("lin_high"));
        return b.Op("Where", [b.Op("Greater", [v, b.Const("k04045", 0.04045f)], b.Name("lin_sel")), high, low], b.Name("lin"));
    }

    /// <summary>Bilinear resize of <paramref name="ab"/> to the spatial size of <paramref name="like"/> (read at run time).</summary>
    private static string ResizeLike(GraphBuilder b, string ab, string like)
    {
        string abShape = b.Op("Shape", [ab], b.Name("ab_shape"));
        string likeShape = b.Op("Shape", [like], b.Name("in_shape"));
        string nc = b.Op("Slice", [abShape, b.Int64s("s0", 0), b.Int64s("s2", 2), b.Int64s("axis0", 0)], b.Name("nc"));
        string hw = b.Op("Slice", [likeShape, b.Int64s("s2", 2), b.Int64s("s4", 4), b.Int64s("axis0", 0)], b.Name("hw"));
        string sizes = b.Op("Concat", [nc, hw], b.Name("sizes"), ("axis", 0L));
        // roi and scales stay empty (sizes is given); opset 11 and 12 require them to be present.
        return b.Op("Resize", [ab, b.Const("roi", [], 0), b.Const("scales", [], 0), sizes], b.Name("ab_resized"),
            ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
    }

    private static ValueInfoProto Tensor(string name, ValueInfoProto like, int channels)
    {
        var dims = like.Type.TensorType.Shape.Dim;
        var shape = new TensorShapeProto();
        for (int i = 0; i < dims.Count; i++)
            shape.Dim.Add(i == 1 ? new TensorShapeProto.Types.Dimension { DimValue = channels } : dims[i].Clone());
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>Renames every read of <paramref name="from"/>, in subgraphs too (they may read outer-scope names).</summary>
    private static void RenameUses(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from) node.Input[i] = to;
            foreach (var a in node.Attribute)
            {
                if (a.G is { } sub) RenameUses(sub, from, to);
                foreach (var s in a.Graphs) RenameUses(s, from, to);
            }
        }
    }

    /// <summary>Adds nodes and constants with names no exporter uses.</summary>
    private sealed class GraphBuilder(GraphProto graph)
    {
        private readonly HashSet<string> _constants = [];
        private int _next;
        public List<NodeProto> Target { get; set; } = [];

        public string Name(string stem) => $"{P}{stem}_{_next++}";

        public string Op(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = $"{P}node_{_next++}" };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            foreach (var (name, value) in attributes)
            {
                var a = new AttributeProto { Name = name };
                switch (value)
                {
                    case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
                    case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
                    case TensorProto t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = t; break;
                }
                node.Attribute.Add(a);
            }
            Target.Add(node);
            return output;
        }

        public string Const(string stem, float value) => Const(stem, [value]);

        public string Const(string stem, float[] values, params long[] dims)
        {
            string name = P + stem;
            if (_constants.Add(name))
            {
                var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
                t.Dims.AddRange(dims);
                t.FloatData.AddRange(values);
                graph.Initializer.Add(t);
            }
            return name;
        }

        public string Int64s(string stem, long value)
        {
            string name = P + stem;
            if (_constants.Add(name))
            {
                var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
                t.Dims.Add(1);
                t.Int64Data.Add(value);
                graph.Initializer.Add(t);
            }
            return name;
        }
    }
}
