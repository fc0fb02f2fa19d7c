using System.Globalization;
using Google.FlatBuffers;
using PdnColorize.Calibration;
using PdnColorize.Calibration.TensorRt;
using PdnColorize.Calibration.TensorRt.CalTableFlatBuffers;

namespace PdnColorize.Calibration.Tests;

public sealed class TableTests
{
    private static readonly Dictionary<string, float> Sample = new(StringComparer.Ordinal)
    {
        ["input"] = 1f,
        ["/stem/conv/Conv_output_0"] = 12.345678f,
        ["tensor:0"] = 0.000123f,
        ["Zeta"] = 3.4e12f,
        ["ab_ünïcode"] = 7.5f,
        ["a"] = 1e-6f,
    };

    [Fact]
    public void Flatbuffers_table_round_trips_through_the_generated_style_reader_sorted_by_key()
    {
        byte[] bytes = OrtCalibrationTable.Write(Sample);

        var table = TrtTable.GetRootAsTrtTable(new ByteBuffer(bytes));
        Assert.Equal(Sample.Count, table.DictLength);
        var keys = Enumerable.Range(0, table.DictLength).Select(i => table.Dict(i)!.Value.Key!).ToList();
        Assert.Equal(Sample.Keys.Order(StringComparer.Ordinal), keys);
        for (int i = 0; i < table.DictLength; i++)
        {
            var kv = table.Dict(i)!.Value;
            Assert.Equal(Sample[kv.Key!], float.Parse(kv.Value!, CultureInfo.InvariantCulture)); // exact round trip
        }
        // The key is a flatbuffers (key) field: binary search by key works on the sorted vector.
        foreach (var (name, value) in Sample)
            Assert.Equal(value, float.Parse(table.DictByKey(name)!.Value.Value!, CultureInfo.InvariantCulture));
        Assert.Null(table.DictByKey("missing"));
        Assert.Equal(Sample, OrtCalibrationTable.Read(bytes));
    }

    [Fact]
    public void Values_are_invariant_culture_decimals_whatever_the_current_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var entries = OrtCalibrationTable.ReadEntries(OrtCalibrationTable.Write(new Dictionary<string, float> { ["x"] = 2.5f }));
            Assert.Equal("2.5", entries.Single().Value);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Reader_also_reads_a_table_built_with_the_unsorted_generated_vector_helper()
    {
        var builder = new FlatBufferBuilder(64);
        var a = KeyValue.CreateKeyValue(builder, builder.CreateString("b"), builder.CreateString("1.5"));
        var b = KeyValue.CreateKeyValue(builder, builder.CreateString("a"), builder.CreateString("2"));
        var dict = TrtTable.CreateDictVector(builder, new[] { a, b });
        TrtTable.FinishTrtTableBuffer(builder, TrtTable.CreateTrtTable(builder, dict));
        var entries = OrtCalibrationTable.ReadEntries(builder.SizedByteArray());
        Assert.Equal(new[] { "b", "a" }, entries.Select(e => e.Key));
        Assert.Equal(new[] { "1.5", "2" }, entries.Select(e => e.Value));
    }

    [Fact]
    public void Non_finite_ranges_are_refused()
    {
        Assert.Throws<ArgumentException>(() => OrtCalibrationTable.Write(new Dictionary<string, float> { ["x"] = float.NaN }));
    }

    [Fact]
    public void Text_cache_holds_hex_scales_and_leaves_out_names_with_colons()
    {
        string text = TensorRtTextCache.Write(Sample, RangeMethod.Entropy, out var skipped);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"TRT-{TensorRtTextCache.Version}-EntropyCalibration2", lines[0]);
        Assert.Equal(new[] { "tensor:0" }, skipped);
        Assert.DoesNotContain(lines, l => l.StartsWith("tensor", StringComparison.Ordinal));
        Assert.Contains("input: " + TensorRtTextCache.ScaleHex(1f / 127f), lines);
        Assert.Equal("3c010204", TensorRtTextCache.ScaleHex(1f / 127f)); // big-endian IEEE-754 bits of 1/127

        var read = TensorRtTextCache.Read(text, out var header);
        Assert.StartsWith("TRT-", header);
        Assert.Equal(Sample.Count - 1, read.Count);
        foreach (var (name, value) in read) Assert.Equal(Sample[name], value, Sample[name] * 1e-6f);
    }
}
