using System.Text;
using System.Text.Json;

namespace PdnColorize.Calibration;

/// <summary>One held-out photo: CIEDE2000 of INT8 against FP32, and of each against the photo itself.</summary>
public sealed record AccuracyRow(string File, double Int8VsFp32, double Fp32VsTruth, double Int8VsTruth);

public sealed record AccuracyResult(IReadOnlyList<AccuracyRow> Rows)
{
    public double Int8VsFp32 => Rows.Average(r => r.Int8VsFp32);
    public double Int8VsFp32Max => Rows.Max(r => r.Int8VsFp32);
    public double Fp32VsTruth => Rows.Average(r => r.Fp32VsTruth);
    public double Int8VsTruth => Rows.Average(r => r.Int8VsTruth);
}

/// <summary>Median milliseconds of one model run on the CPU at <see cref="Width"/> x <see cref="Height"/>.</summary>
public sealed record TimingResult(int Runs, int Width, int Height, double Fp32Ms, double Int8Ms, int LogicalCores)
{
    public double Speedup => Int8Ms > 0 ? Fp32Ms / Int8Ms : 0;

    /// <summary>The FP32 model with the same float softmax rewrite as the INT8 model (null when there was none).</summary>
    public double? Fp32RewrittenMs { get; init; }

    /// <summary>Fastest runs: less disturbed than the medians by other work on a busy machine.</summary>
    public double Fp32MinMs { get; init; }
    public double Int8MinMs { get; init; }
}

/// <summary>report.json: what was calibrated, on what, and how INT8 compares with FP32 (accuracy, size, CPU time).</summary>
public sealed record CalibrationReport
{
    /// <summary>The targets for the embedded model, echoed in the report with whether each is met.</summary>
    public const double TargetDeltaE = 2.0, TargetSpeedup = 1.5, TargetSizeRatio = 0.30;

    public required string ModelId { get; init; }
    public required string ModelPath { get; init; }
    public required string ModelSha256 { get; init; }
    public RangeMethod Method { get; init; }
    public double? Percentile { get; init; }
    public int InputSize { get; init; }
    public bool DynamicSize { get; init; }
    public required string ImagesDirectory { get; init; }
    public required ImageSplit Split { get; init; }
    public int SamplesRequested { get; init; }
    public int ValidationRequested { get; init; }
    public int TensorsCalibrated { get; init; }
    public IReadOnlyList<string> TensorsWithoutValues { get; init; } = [];
    public IReadOnlyList<string> TextCacheSkipped { get; init; } = [];
    public required QdqReport Qdq { get; init; }
    public required QdqOptions QdqOptions { get; init; }
    public AccuracyResult? Accuracy { get; init; }
    public required TimingResult Timing { get; init; }
    public long Fp32Bytes { get; init; }
    public long Int8Bytes { get; init; }
    public double RangeSeconds { get; init; }
    public string OrtVersion { get; init; } = "";

    public double SizeRatio => Fp32Bytes > 0 ? (double)Int8Bytes / Fp32Bytes : 0;

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("tool", Calibrator.Version);
            w.WriteString("onnxruntime", OrtVersion);
            w.WriteString("created_utc", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"));
            w.WriteStartObject("model");
            w.WriteString("id", ModelId);
            w.WriteString("path", ModelPath);
            w.WriteString("sha256", ModelSha256);
            w.WriteNumber("input_size", InputSize);
            w.WriteBoolean("dynamic_size", DynamicSize);
            w.WriteEndObject();

            w.WriteStartObject("calibration");
            w.WriteString("method", Method.Label());
            if (Percentile is { } p) w.WriteNumber("percentile", p);
            w.WriteNumber("tensors", TensorsCalibrated);
            w.WriteStartArray("tensors_without_values");
            foreach (var t in TensorsWithoutValues) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteStartArray("text_cache_skipped");
            foreach (var t in TextCacheSkipped) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteNumber("seconds", Math.Round(RangeSeconds, 3));
            w.WriteEndObject();

            w.WriteStartObject("images");
            w.WriteString("folder", ImagesDirectory);
            w.WriteNumber("files", Split.FilesInFolder);
            w.WriteNumber("samples_requested", SamplesRequested);
            w.WriteNumber("calibration", Split.Calibration.Count);
            w.WriteNumber("validation_requested", ValidationRequested);
            w.WriteNumber("validation", Split.Validation.Count);
            w.WriteNumber("skipped", Split.Skipped.Count);
            w.WriteNumber("not_examined", Split.NotExamined);
            w.WriteStartArray("skipped_files");
            foreach (var s in Split.Skipped)
            {
                w.WriteStartObject();
                w.WriteString("file", s.File);
                w.WriteString("reason", s.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("calibration_files");
            foreach (var c in Split.Calibration) w.WriteStringValue(c.File);
            w.WriteEndArray();
            w.WriteStartArray("validation_files");
            foreach (var v in Split.Validation) w.WriteStringValue(Path.GetFileName(v));
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartObject("qdq");
            w.WriteString("format", "QDQ: uint8 asymmetric activations, int8 symmetric per-channel weights, int32 biases");
            w.WriteBoolean("float_tail", QdqOptions.KeepFloatTail);
            w.WriteBoolean("quantize_add", QdqOptions.QuantizeAdd);
            w.WriteBoolean("quantize_activation_matmul", QdqOptions.QuantizeActivationMatMul);
            w.WriteNumber("quantized_ops", Qdq.QuantizedNodes);
            w.WriteNumber("quantized_activations", Qdq.QuantizedActivations);
            w.WriteNumber("quantized_weights", Qdq.QuantizedWeights);
            w.WriteNumber("relus_folded", Qdq.RelusFolded);
            w.WriteNumber("biases_clamped", Qdq.BiasesClamped);
            w.WriteBoolean("rewrite_softmax", QdqOptions.RewriteSoftmax);
            w.WriteNumber("softmax_rewritten", Qdq.SoftmaxRewritten);
            w.WriteStartArray("float_tail_ops");
            foreach (var t in Qdq.FloatTail) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteStartArray("tensors_without_range");
            foreach (var t in Qdq.MissingRanges) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartObject("accuracy");
            if (Accuracy is { } a)
            {
                w.WriteNumber("validation_images", a.Rows.Count);
                w.WriteNumber("int8_vs_fp32_delta_e2000", R(a.Int8VsFp32));
                w.WriteNumber("int8_vs_fp32_delta_e2000_max", R(a.Int8VsFp32Max));
                w.WriteNumber("fp32_vs_truth_delta_e2000", R(a.Fp32VsTruth));
                w.WriteNumber("int8_vs_truth_delta_e2000", R(a.Int8VsTruth));
                w.WriteStartArray("per_image");
                foreach (var r in a.Rows)
                {
                    w.WriteStartObject();
                    w.WriteString("file", r.File);
                    w.WriteNumber("int8_vs_fp32", R(r.Int8VsFp32));
                    w.WriteNumber("fp32_vs_truth", R(r.Fp32VsTruth));
                    w.WriteNumber("int8_vs_truth", R(r.Int8VsTruth));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            else
            {
                w.WriteNumber("validation_images", 0);
                w.WriteNull("int8_vs_fp32_delta_e2000");
                w.WriteString("note", "no photo could be held out for validation (the folder has too few images, or --validation 0)");
            }
            w.WriteEndObject();

            w.WriteStartObject("size");
            w.WriteNumber("fp32_bytes", Fp32Bytes);
            w.WriteNumber("int8_bytes", Int8Bytes);
            w.WriteNumber("ratio", R(SizeRatio));
            w.WriteEndObject();

            w.WriteStartObject("cpu");
            w.WriteNumber("runs", Timing.Runs);
            w.WriteString("input", $"1x3x{Timing.Height}x{Timing.Width}");
            w.WriteNumber("logical_cores", Timing.LogicalCores);
            w.WriteNumber("fp32_median_ms", R(Timing.Fp32Ms));
            w.WriteNumber("int8_median_ms", R(Timing.Int8Ms));
            w.WriteNumber("speedup", R(Timing.Speedup));
            w.WriteNumber("fp32_min_ms", R(Timing.Fp32MinMs));
            w.WriteNumber("int8_min_ms", R(Timing.Int8MinMs));
            if (Timing.Fp32RewrittenMs is { } fr)
            {
                w.WriteNumber("fp32_softmax_rewritten_median_ms", R(fr));
                w.WriteNumber("speedup_vs_fp32_softmax_rewritten", R(Timing.Int8Ms > 0 ? fr / Timing.Int8Ms : 0));
            }
            w.WriteEndObject();

            w.WriteStartObject("targets");
            w.WriteNumber("delta_e2000_at_most", TargetDeltaE);
            w.WriteNumber("speedup_at_least", TargetSpeedup);
            w.WriteNumber("size_ratio_at_most", TargetSizeRatio);
            if (Accuracy is { } acc) w.WriteBoolean("delta_e2000_met", acc.Int8VsFp32 <= TargetDeltaE);
            else w.WriteNull("delta_e2000_met");
            w.WriteBoolean("speedup_met", Timing.Speedup >= TargetSpeedup);
            w.WriteBoolean("size_met", SizeRatio <= TargetSizeRatio);
            w.WriteEndObject();

            w.WriteStartObject("files");
            w.WriteString("tensorrt_table", Engines.Providers.CalibrationFiles.TensorRtTable);
            w.WriteString("tensorrt_text_cache", Calibrator.TextCache);
            w.WriteString("qdq_model", Engines.Providers.CalibrationFiles.QdqModel);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static double R(double v) => double.IsFinite(v) ? Math.Round(v, 4) : 0;
}
