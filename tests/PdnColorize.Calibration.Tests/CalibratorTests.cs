using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PdnColorize.Calibration;
using PdnColorize.Calibration.TensorRt;
using PdnColorize.Engines;
using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Calibration.Tests;

[Collection("calibration")]
public sealed class CalibratorTests(CalibrationFixture fx)
{
    private static HashSet<string> TensorsOf(string modelPath)
    {
        var g = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath)).Graph;
        return g.Input.Select(i => i.Name).Concat(g.Node.SelectMany(n => n.Output)).Concat(g.Initializer.Select(i => i.Name)).ToHashSet();
    }

    [Fact]
    public void Writes_table_cache_qdq_model_and_report_and_every_table_key_is_a_tensor_of_the_model()
    {
        using var tmp = new TempDir();
        string output = tmp.File("cal");
        var result = Calibrator.Run(fx.Request(fx.ConvRelu, output) with { Method = RangeMethod.MinMax });

        Assert.Equal(output, result.OutputDirectory);
        foreach (var f in new[] { CalibrationFiles.TensorRtTable, Calibrator.TextCache, CalibrationFiles.QdqModel, CalibrationFiles.Report })
            Assert.True(File.Exists(Path.Combine(output, f)), f);
        Assert.Single(Directory.GetDirectories(tmp.Path)); // no partial or old folder left beside it

        var table = OrtCalibrationTable.Read(File.ReadAllBytes(Path.Combine(output, CalibrationFiles.TensorRtTable)));
        var tensors = TensorsOf(fx.ConvRelu);
        Assert.All(table.Keys, k => Assert.Contains(k, tensors));
        Assert.Equal(new[] { "conv1", "conv2", "input", "joined", "output", "relu1", "relu2" }, table.Keys.Order(StringComparer.Ordinal));
        Assert.All(table.Values, v => Assert.True(v > 0));
        Assert.Equal(table.Keys.Order(StringComparer.Ordinal),
            OrtCalibrationTable.ReadEntries(File.ReadAllBytes(Path.Combine(output, CalibrationFiles.TensorRtTable))).Select(e => e.Key));
        // Inputs are gray sRGB in [0, 1]; relu outputs are never negative.
        Assert.InRange(table["input"], 0.5f, 1f);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, CalibrationFiles.Report)));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("images").GetProperty("calibration").GetInt32());
        Assert.Equal(2, root.GetProperty("images").GetProperty("validation").GetInt32());
        Assert.Empty(root.GetProperty("images").GetProperty("calibration_files").EnumerateArray().Select(e => e.GetString())
            .Intersect(root.GetProperty("images").GetProperty("validation_files").EnumerateArray().Select(e => e.GetString())));
        double de = root.GetProperty("accuracy").GetProperty("int8_vs_fp32_delta_e2000").GetDouble();
        Assert.InRange(de, 0, 3);
        Assert.True(root.GetProperty("size").GetProperty("int8_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("cpu").GetProperty("fp32_median_ms").GetDouble() > 0);
        Assert.Equal("minmax", root.GetProperty("calibration").GetProperty("method").GetString());
    }

    [Fact]
    public void Qdq_model_loads_runs_and_stays_close_to_fp32()
    {
        using var tmp = new TempDir();
        string output = tmp.File("cal");
        Calibrator.Run(fx.Request(fx.ConvRelu, output) with { Validation = 0 });
        string qdq = Path.Combine(output, CalibrationFiles.QdqModel);

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(qdq)).Graph;
        Assert.Contains(graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Relu"); // folded into the output quantisation
        var weights = graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Int8 && i.Dims.Count == 4).ToList();
        Assert.Equal(3, weights.Count);
        Assert.Contains(graph.Initializer, i => i.Name == "cw1_scale" && i.Dims.SequenceEqual(new long[] { 8 })); // per channel
        Assert.Contains(graph.Node, n => n.OpType == "DequantizeLinear" && n.Input[0] == "cb1_quantized"); // int32 bias

        // Same input through both: the INT8 ab stays within a few units of FP32 (ab spans about +-60 here).
        var photo = ModelInput.From("p", ImageCodec.Load(Directory.GetFiles(fx.Photos)[0]), 64, true, default);
        var x = photo.ToNchw();
        var fp = new float[2 * photo.Width * photo.Height];
        var i8 = new float[fp.Length];
        using (var s = ChromaSession.OpenCpu(fx.ConvRelu)) s.Run(x, 1, photo.Height, photo.Width, fp);
        using (var s = ChromaSession.Open(qdq, ProviderKind.Cpu, new ProviderSettings { Precision = Precision.Int8 })) s.Run(x, 1, photo.Height, photo.Width, i8);
        double meanAbs = fp.Zip(i8, (a, b) => Math.Abs(a - b)).Average();
        double spread = fp.Max() - fp.Min();
        Assert.True(spread > 10, $"fixture output too flat ({spread})");
        Assert.True(meanAbs < 0.02 * spread, $"mean |INT8 - FP32| {meanAbs} vs spread {spread}");
    }

    [Fact]
    public void Decoding_tail_stays_float_unless_asked()
    {
        using var tmp = new TempDir();
        var kept = Calibrator.Run(fx.Request(fx.NormSoftmax, tmp.File("kept")) with { Validation = 0 }).Report;
        Assert.Contains("probs_Softmax", kept.Qdq.FloatTail);
        Assert.Contains("output_Conv", kept.Qdq.FloatTail);
        Assert.Contains("scaled_Mul", kept.Qdq.FloatTail);
        Assert.Equal(1, kept.Qdq.QuantizedNodes); // the first Conv
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(tmp.File("kept"), CalibrationFiles.QdqModel))).Graph;
        Assert.Contains(graph.Initializer, i => i.Name == "w2" && i.DataType == (int)TensorProto.Types.DataType.Float);

        var all = Calibrator.Run(fx.Request(fx.NormSoftmax, tmp.File("all")) with { Validation = 0, Qdq = new QdqOptions { KeepFloatTail = false } }).Report;
        Assert.Empty(all.Qdq.FloatTail);
        Assert.Equal(2, all.Qdq.QuantizedNodes);
    }

    [Fact]
    public void Empty_folder_is_bad_input_and_writes_nothing()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("empty"));
        var e = Assert.Throws<CalibrationInputException>(() => Calibrator.Run(fx.Request(fx.ConvRelu, tmp.File("cal"), tmp.File("empty"))));
        Assert.Contains("empty", e.Message);
        Assert.False(Directory.Exists(tmp.File("cal")));
        Assert.Single(Directory.GetDirectories(tmp.Path));
    }

    [Fact]
    public void Non_images_are_skipped_and_counted_and_fewer_photos_than_samples_still_calibrates()
    {
        using var tmp = new TempDir();
        string images = tmp.File("mixed");
        Directory.CreateDirectory(images);
        foreach (var f in Directory.GetFiles(fx.Photos).Order().Take(3)) File.Copy(f, Path.Combine(images, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(images, "notes.txt"), "not a photo");
        File.WriteAllBytes(Path.Combine(images, "broken.png"), new byte[] { 1, 2, 3, 4, 5 });
        var logs = new List<string>();

        var report = Calibrator.Run(fx.Request(fx.ConvRelu, tmp.File("cal"), images) with { Samples = 10, Validation = 4, Log = logs.Add }).Report;

        Assert.Equal(2, report.Split.Skipped.Count);
        Assert.Contains(report.Split.Skipped, s => s.File == "notes.txt");
        Assert.Contains(report.Split.Skipped, s => s.File == "broken.png");
        Assert.Single(report.Split.Validation);      // a fifth of 3, at least one, is still held out
        Assert.Equal(2, report.Split.Calibration.Count);
        Assert.Contains(logs, l => l.Contains("only 2 photos", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(tmp.File("cal"), CalibrationFiles.Report)));
        Assert.Equal(2, json.RootElement.GetProperty("images").GetProperty("skipped").GetInt32());
        Assert.Equal(10, json.RootElement.GetProperty("images").GetProperty("samples_requested").GetInt32());
    }

    [Fact]
    public void A_folder_of_only_non_images_is_bad_input()
    {
        using var tmp = new TempDir();
        string images = tmp.File("junk");
        Directory.CreateDirectory(images);
        File.WriteAllText(Path.Combine(images, "a.txt"), "x");
        File.WriteAllText(Path.Combine(images, "b.jpg"), "not a jpeg");
        var e = Assert.Throws<CalibrationInputException>(() => Calibrator.Run(fx.Request(fx.ConvRelu, tmp.File("cal"), images)));
        Assert.Contains("2 skipped", e.Message);
        Assert.False(Directory.Exists(tmp.File("cal")));
    }

    [Fact]
    public void A_model_without_float_activations_is_a_model_problem()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<ModelContractException>(() => Calibrator.Run(fx.Request(fx.NoFloat, tmp.File("cal"))));
        Assert.Contains("no float32 activations", e.Message);
        Assert.False(Directory.Exists(tmp.File("cal")));
    }

    [Fact]
    public void An_existing_output_folder_is_refused_unless_forced()
    {
        using var tmp = new TempDir();
        string output = tmp.File("cal");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        Assert.Throws<CalibrationInputException>(() => Calibrator.Run(fx.Request(fx.ConvRelu, output)));
        Assert.True(File.Exists(Path.Combine(output, "keep.txt")));

        Calibrator.Run(fx.Request(fx.ConvRelu, output) with { Force = true, Validation = 0 });
        Assert.False(File.Exists(Path.Combine(output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(output, CalibrationFiles.TensorRtTable)));
        Assert.Single(Directory.GetDirectories(tmp.Path));
    }

    [Theory]
    [InlineData("ranges")]
    [InlineData("accuracy")]
    [InlineData("publish")]
    public void An_interrupted_run_leaves_no_partial_table(string stage)
    {
        using var tmp = new TempDir();
        using var cts = new CancellationTokenSource();
        string output = tmp.File("cal");
        var request = fx.Request(fx.ConvRelu, output) with
        {
            Stage = s => { if (s == stage) cts.Cancel(); },
            ImageDone = (done, _) => { if (done == 1 && stage == "ranges") cts.Cancel(); },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Calibrator.Run(request, cts.Token));
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path)); // no hidden partial folder either
    }

    [Fact]
    public void Partial_folders_of_dead_runs_are_removed_and_live_ones_kept()
    {
        using var tmp = new TempDir();
        string dead = tmp.File(".cal.partial-999999999-deadbeef");
        string live = tmp.File($".cal.partial-{Environment.ProcessId}-cafebabe");
        Directory.CreateDirectory(dead);
        Directory.CreateDirectory(live);
        File.WriteAllText(Path.Combine(dead, CalibrationFiles.TensorRtTable), "half written");
        Calibrator.RemoveStalePartials(tmp.Path, "cal");
        Assert.False(Directory.Exists(dead));
        Assert.True(Directory.Exists(live));
    }

    [Fact]
    public void Augmented_model_exposes_every_float_activation_and_nothing_else()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fx.NormSoftmax));
        var scan = ActivationScanner.Find(model);
        Assert.Equal(new[] { "input", "c1", "mean", "centred", "sq", "var", "var_eps", "std", "normed", "scaled", "probs", "output" }, scan.Activations);
        var augmented = ActivationScanner.Augment(model, scan.Activations);
        Assert.Equal(scan.Activations.Count - 1, augmented.Graph.Output.Count); // "output" is not added twice; the input is fed, not fetched
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(augmented));
        Assert.Equal(scan.Activations.Skip(1).Order(), session.OutputMetadata.Keys.Order());

        var none = ActivationScanner.Find(ModelProto.Parser.ParseFrom(File.ReadAllBytes(fx.NoFloat)));
        Assert.Empty(none.Computed);
        Assert.Equal(new[] { "input", "output" }, none.Activations);
    }
}
