using Onnx;

namespace PdnColorize.Engines.Descriptors;

/// <summary>One graph input or output as declared: name, element type, and each dimension (value or symbolic name).</summary>
public sealed record TensorIo(string Name, int ElementType, IReadOnlyList<TensorShapeProto.Types.Dimension> Dims)
{
    public int Rank => Dims.Count;

    /// <summary>The fixed size of dimension <paramref name="i"/>, or null when it is symbolic or unknown.</summary>
    public int? Fixed(int i) => i < Dims.Count && Dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && Dims[i].DimValue > 0
        ? (int)Dims[i].DimValue
        : null;

    /// <summary>The symbolic name of dimension <paramref name="i"/> ("H"), or null.</summary>
    public string? Symbol(int i) => i < Dims.Count && Dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam
        ? Dims[i].DimParam
        : null;

    public bool IsFloat32 => ElementType == (int)TensorProto.Types.DataType.Float;

    public string Shape => "[" + string.Join(",", Enumerable.Range(0, Rank).Select(i => Fixed(i)?.ToString() ?? Symbol(i) ?? "?")) + "]";
}

/// <summary>
/// The declared inputs and outputs of an ONNX file and its default-domain opset, read without loading the weights:
/// the protobuf wire format is walked and every initializer's bytes are skipped with a seek, so a 900 MB model is
/// described in milliseconds and without a copy of it in memory. Initializers listed as inputs (old exporters) are
/// left out, as ONNX Runtime does.
/// </summary>
public sealed record OnnxIo(IReadOnlyList<TensorIo> Inputs, IReadOnlyList<TensorIo> Outputs, long Opset)
{
    private const int ModelGraph = 7, ModelOpset = 8;
    private const int GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int TensorName = 8;

    public static OnnxIo Read(string path)
    {
        if (!File.Exists(path)) throw new ModelContractException($"Model file not found: {path}");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(stream, path);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException
                                       or OverflowException or ArgumentException or IOException)
        {
            throw new ModelContractException($"'{Path.GetFileName(path)}' is not a readable ONNX model: {e.Message}", e);
        }
    }

    private static OnnxIo Read(Stream s, string path)
    {
        var inputs = new List<ValueInfoProto>();
        var outputs = new List<ValueInfoProto>();
        var initializers = new HashSet<string>();
        long opset = 0;
        bool sawGraph = false;
        long end = s.Length;
        while (s.Position < end)
        {
            var (field, wire) = Tag(s);
            if (field == ModelGraph && wire == 2)
            {
                sawGraph = true;
                long graphLength = (long)Varint(s);
                long graphEnd = checked(s.Position + graphLength);
                while (s.Position < graphEnd)
                {
                    var (gf, gw) = Tag(s);
                    if (gw == 2 && gf is GraphInput or GraphOutput)
                        (gf == GraphInput ? inputs : outputs).Add(ValueInfoProto.Parser.ParseFrom(Bytes(s)));
                    else if (gw == 2 && gf == GraphInitializer)
                        initializers.Add(InitializerName(s));
                    else
                        Skip(s, gw);
                }
            }
            else if (field == ModelOpset && wire == 2)
            {
                var op = OperatorSetIdProto.Parser.ParseFrom(Bytes(s));
                if (op.Domain is "" or "ai.onnx") opset = op.Version;
            }
            else
            {
                Skip(s, wire);
            }
        }
        if (!sawGraph) throw new InvalidDataException("the file holds no ONNX graph");
        return new OnnxIo(
            inputs.Where(i => !initializers.Contains(i.Name)).Select(ToIo).ToList(),
            outputs.Select(ToIo).ToList(),
            opset);
    }

    private static TensorIo ToIo(ValueInfoProto v) => new(v.Name,
        v.Type?.TensorType?.ElemType ?? 0,
        v.Type?.TensorType?.Shape?.Dim.ToList() ?? []);

    /// <summary>Reads one initializer (TensorProto) up to its name and seeks past the rest, weights included.</summary>
    private static string InitializerName(Stream s)
    {
        long length = (long)Varint(s);
        long stop = checked(s.Position + length);
        string name = "";
        while (s.Position < stop)
        {
            var (f, w) = Tag(s);
            if (f == TensorName && w == 2) name = System.Text.Encoding.UTF8.GetString(Bytes(s));
            else Skip(s, w);
        }
        s.Position = stop;
        return name;
    }

    private static (int Field, int Wire) Tag(Stream s)
    {
        ulong tag = Varint(s);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    private static ulong Varint(Stream s)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            int b = s.ReadByte();
            if (b < 0) throw new EndOfStreamException("the file ends inside a field");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a malformed varint");
    }

    private static byte[] Bytes(Stream s)
    {
        long n = (long)Varint(s);
        if (n < 0 || n > 64L << 20 || s.Position + n > s.Length) throw new InvalidDataException("a field longer than the file");
        var buffer = new byte[n];
        s.ReadExactly(buffer);
        return buffer;
    }

    private static void Skip(Stream s, int wire)
    {
        long skip = wire switch
        {
            0 => 0,
            1 => 8,
            2 => (long)Varint(s),
            5 => 4,
            _ => throw new InvalidDataException($"wire type {wire} is not protobuf"),
        };
        if (wire == 0) { Varint(s); return; }
        if (skip < 0 || s.Position + skip > s.Length) throw new InvalidDataException("a field longer than the file");
        s.Seek(skip, SeekOrigin.Current);
    }
}
