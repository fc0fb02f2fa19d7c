using System.Globalization;
using System.Text;
using Google.FlatBuffers;
using PdnColorize.Calibration.TensorRt.CalTableFlatBuffers;

namespace PdnColorize.Calibration.TensorRt;

/// <summary>
/// ONNX Runtime's TensorRT calibration table: a flatbuffers <c>TrtTable</c> whose dict maps each tensor name to the
/// decimal max |x| (invariant culture), keys sorted. ORT's TensorRT provider reads it when
/// <c>trt_int8_use_native_calibration_table</c> is off and sets each tensor's dynamic range to [-v, v].
/// </summary>
public static class OrtCalibrationTable
{
    /// <summary>The table's bytes for max |x| per tensor. Non-finite or negative ranges are refused.</summary>
    public static byte[] Write(IReadOnlyDictionary<string, float> maxAbs)
    {
        var builder = new FlatBufferBuilder(1024);
        var entries = new Offset<KeyValue>[maxAbs.Count];
        int i = 0;
        foreach (var (name, value) in maxAbs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!float.IsFinite(value) || value < 0) throw new ArgumentException($"range of '{name}' is {value}; it must be finite and >= 0");
            var key = builder.CreateString(name);
            var text = builder.CreateString(Format(value));
            entries[i++] = KeyValue.CreateKeyValue(builder, key, text);
        }
        var dict = KeyValue.CreateSortedVectorOfKeyValue(builder, entries);
        var root = TrtTable.CreateTrtTable(builder, dict);
        TrtTable.FinishTrtTableBuffer(builder, root);
        return builder.SizedByteArray();
    }

    /// <summary>Reads a table back (entries in file order, which is sorted when we wrote it).</summary>
    public static List<KeyValuePair<string, string>> ReadEntries(byte[] bytes)
    {
        var table = TrtTable.GetRootAsTrtTable(new ByteBuffer(bytes));
        var list = new List<KeyValuePair<string, string>>(table.DictLength);
        for (int i = 0; i < table.DictLength; i++)
        {
            var kv = table.Dict(i)!.Value;
            list.Add(new(kv.Key ?? throw new InvalidDataException($"entry {i} has no key"), kv.Value ?? ""));
        }
        return list;
    }

    /// <summary>Max |x| per tensor as ORT parses it (std::stof of the value).</summary>
    public static Dictionary<string, float> Read(byte[] bytes) =>
        ReadEntries(bytes).ToDictionary(kv => kv.Key, kv => float.Parse(kv.Value, NumberStyles.Float, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>Shortest text that reads back to the same float, invariant culture (std::stof parses it, exponent included).</summary>
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// TensorRT's own text calibration cache, written for inspection (and for <c>trt_int8_use_native_calibration_table</c>):
/// a header <c>TRT-&lt;version&gt;-&lt;calibrator&gt;</c>, then one <c>name: hex</c> line per tensor where hex is the
/// big-endian IEEE-754 bits of the scale max|x| / 127. Readers (TensorRT's, ORT's) split each line at the first ':',
/// so a tensor whose name holds ':' (or a line break) cannot be written: it is left out and reported.
/// </summary>
public static class TensorRtTextCache
{
    /// <summary>The TensorRT version the header names (10.0; the cache is for inspection, engines are built from the flatbuffers table).</summary>
    public const int Version = 100000;

    public static string CalibratorName(RangeMethod method) => method switch
    {
        RangeMethod.Entropy => "EntropyCalibration2",
        RangeMethod.MinMax => "MinMaxCalibration",
        _ => "LegacyCalibration", // percentile: TensorRT's legacy calibrator is the quantile one
    };

    public static string Write(IReadOnlyDictionary<string, float> maxAbs, RangeMethod method, out IReadOnlyList<string> skipped)
    {
        var sb = new StringBuilder();
        sb.Append("TRT-").Append(Version.ToString(CultureInfo.InvariantCulture)).Append('-').Append(CalibratorName(method)).Append('\n');
        var left = new List<string>();
        foreach (var (name, value) in maxAbs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (name.IndexOfAny([':', '\n', '\r']) >= 0) { left.Add(name); continue; }
            sb.Append(name).Append(": ").Append(ScaleHex(value / 127f)).Append('\n');
        }
        skipped = left;
        return sb.ToString();
    }

    /// <summary>Big-endian hex of a float's bits, lower case, 8 digits (how TensorRT writes scales).</summary>
    public static string ScaleHex(float scale) => BitConverter.SingleToUInt32Bits(scale).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Parses a cache the way ORT does (name up to the first ':', hex scale after it) into max |x| per tensor.</summary>
    public static Dictionary<string, float> Read(string text, out string header)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        header = lines.Length > 0 ? lines[0] : "";
        if (!header.StartsWith("TRT-", StringComparison.Ordinal)) throw new InvalidDataException("not a TensorRT calibration cache (no TRT- header)");
        var map = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) throw new InvalidDataException($"bad cache line '{line}'");
            uint bits = uint.Parse(line[(colon + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            map[line[..colon]] = BitConverter.UInt32BitsToSingle(bits) * 127f;
        }
        return map;
    }

}
