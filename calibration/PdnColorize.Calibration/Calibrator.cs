using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PdnColorize.Calibration.TensorRt;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;

namespace PdnColorize.Calibration;

/// <summary>What to calibrate and how.</summary>
public sealed record CalibrationRequest
{
    /// <summary>The FP32 model file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model's id (manifest), for the report.</summary>
    public string? ModelId { get; init; }

    /// <summary>The size S the model runs at (the long side for dynamic models): the inference default unless asked otherwise.</summary>
    public int InputSize { get; init; } = 256;

    public required string ImagesDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    public RangeMethod Method { get; init; } = RangeMethod.Percentile;
    public double Percentile { get; init; } = 99.99;

    /// <summary>Photos to collect ranges on.</summary>
    public int Samples { get; init; } = 64;

    /// <summary>Photos held out to measure INT8 against FP32 (not used for ranges).</summary>
    public int Validation { get; init; } = 16;

    /// <summary>Replace an existing output folder.</summary>
    public bool Force { get; init; }

    public QdqOptions Qdq { get; init; } = new();

    /// <summary>Timed runs of each model (the median is reported), after one warm-up run.</summary>
    public int TimingRuns { get; init; } = 21;

    /// <summary>Seed of the shuffle that picks and splits the photos.</summary>
    public int Seed { get; init; } = 1234;

    public Action<string>? Log { get; init; }

    /// <summary>Called as each stage starts: "images", "ranges", "write", "accuracy", "timing", "publish".</summary>
    public Action<string>? Stage { get; init; }

    /// <summary>Called after each calibration photo ran (done, total).</summary>
    public Action<int, int>? ImageDone { get; init; }
}

/// <summary>The outcome: where the files are and what the report says.</summary>
public sealed record CalibrationResult(string OutputDirectory, CalibrationReport Report);

/// <summary>
/// The calibration run: FP32 over representative photos with every float activation exposed, ranges per tensor, then
/// ORT's TensorRT table, TensorRT's text cache, the QDQ model and report.json written to a hidden sibling folder that
/// is renamed into place only when everything is there (an interrupted run leaves nothing behind under the name).
/// </summary>
public static class Calibrator
{
    public const string TextCache = "calibration.cache";
    public const string Version = "calibrate-1";

    public static CalibrationResult Run(CalibrationRequest request, CancellationToken cancellation = default)
    {
        var log = request.Log ?? (_ => { });
        if (request.Samples < 1) throw new CalibrationInputException("--samples must be at least 1.");
        if (request.Validation < 0) throw new CalibrationInputException("--validation must be 0 or more.");
        if (request.Percentile is <= 0 or > 100) throw new CalibrationInputException("--percentile must lie in (0, 100].");
        string output = Path.GetFullPath(request.OutputDirectory);
        if (File.Exists(output)) throw new CalibrationInputException($"the output '{request.OutputDirectory}' is a file, not a folder.");
        if (Directory.Exists(output) && !request.Force)
            throw new CalibrationInputException($"the output folder '{request.OutputDirectory}' already exists; use --force to replace it.");
        if (!Directory.Exists(request.ImagesDirectory))
            throw new CalibrationInputException($"the images folder '{request.ImagesDirectory}' does not exist.");
        RequireWritableParent(output, request.OutputDirectory); // before minutes of work, not after

        // The model: readable, honouring the I/O contract, with float activations to calibrate.
        var model = LoadModel(request.ModelPath);
        var scan = ActivationScanner.Find(model);
        if (scan.Computed.Count == 0)
            throw new ModelContractException(
                $"'{Path.GetFileName(request.ModelPath)}' has no float32 activations to calibrate (is it already FP16 or quantised?). " +
                "Calibrate the FP32 model.");
        if (scan.Opset < 13)
            throw new ModelContractException($"'{Path.GetFileName(request.ModelPath)}' uses opset {scan.Opset}; INT8 QDQ needs opset 13 or later.");
        ModelSignature signature;
        using (var probe = ChromaSession.Open(request.ModelPath, ProviderKind.Cpu, new ProviderSettings()))
            signature = probe.Signature;
        int size = signature.ResolveSize(request.InputSize);

        request.Stage?.Invoke("images");
        var split = CalibrationImages.Select(request.ImagesDirectory, request.Samples, request.Validation, size, signature.DynamicSize,
            request.Seed, log, cancellation);
        if (split.Calibration.Count < request.Samples)
            log($"warning: only {split.Calibration.Count} photos to calibrate on (asked for {request.Samples})" +
                (split.Validation.Count > 0 ? $"; {split.Validation.Count} more held out for validation." : "."));
        if (split.Skipped.Count > 0) log($"skipped {split.Skipped.Count} file(s) that are not readable images.");

        string parent = Path.GetDirectoryName(output) ?? throw new CalibrationInputException($"'{output}' has no parent folder.");
        Directory.CreateDirectory(parent);
        RemoveStalePartials(parent, Path.GetFileName(output));
        string partial = Path.Combine(parent, $".{Path.GetFileName(output)}.partial-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(partial);
        try
        {
            // 1. Ranges.
            request.Stage?.Invoke("ranges");
            var clock = Stopwatch.StartNew();
            var stats = CollectStats(model, scan.Activations, split.Calibration, request.ImageDone, log, cancellation);
            var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
            foreach (var s in stats.Where(s => s.Count > 0))
                ranges[s.Name] = RangeMethods.Compute(s, request.Method, request.Percentile);
            double rangeSeconds = clock.Elapsed.TotalSeconds;
            log($"ranges of {ranges.Count} tensors from {split.Calibration.Count} photos ({request.Method.Label()}) in {rangeSeconds:F1} s");
            cancellation.ThrowIfCancellationRequested();

            // 2. Files.
            request.Stage?.Invoke("write");
            var maxAbs = ranges.ToDictionary(kv => kv.Key, kv => Math.Max(kv.Value.Threshold, MinRange), StringComparer.Ordinal);
            File.WriteAllBytes(Path.Combine(partial, CalibrationFiles.TensorRtTable), OrtCalibrationTable.Write(maxAbs));
            File.WriteAllText(Path.Combine(partial, TextCache), TensorRtTextCache.Write(maxAbs, request.Method, out var notInText));
            string qdqPath = Path.Combine(partial, CalibrationFiles.QdqModel);
            var qdqReport = WriteQdqModel(request.ModelPath, partial, ranges, request.Qdq, qdqPath);
            // Checksums beside the files the engines load, checked before use (a flipped bit would quantise wrongly).
            CacheStore.WriteChecksum(Path.Combine(partial, CalibrationFiles.TensorRtTable));
            CacheStore.WriteChecksum(qdqPath);
            log($"QDQ model: {qdqReport.QuantizedNodes} ops quantised, {qdqReport.QuantizedWeights} weights int8, " +
                $"{qdqReport.RelusFolded} Relu folded, {qdqReport.FloatTail.Count} ops kept float in the tail");
            cancellation.ThrowIfCancellationRequested();

            // 3. Accuracy on the held-out photos and CPU time.
            request.Stage?.Invoke("accuracy");
            AccuracyResult? accuracy;
            TimingResult timing;
            // With the softmax rewritten in the INT8 model, the FP32 model is timed with the same rewrite too, so the
            // report shows how much of the speed-up is INT8's own.
            string? fp32Rewritten = null;
            if (qdqReport.SoftmaxRewritten > 0)
            {
                var copy = model.Clone();
                SoftmaxRewrite.Apply(copy);
                fp32Rewritten = Path.Combine(partial, ".fp32-softmax-rewritten.onnx");
                ActivationScanner.Save(copy, fp32Rewritten);
            }
            using (var fp32 = ChromaSession.Open(request.ModelPath, ProviderKind.Cpu, new ProviderSettings { Precision = Precision.Fp32 }))
            using (var int8 = OpenQdq(qdqPath))
            using (var fp32Fast = fp32Rewritten is null ? null : ChromaSession.Open(fp32Rewritten, ProviderKind.Cpu, new ProviderSettings()))
            {
                accuracy = split.Validation.Count == 0 ? null : MeasureAccuracy(fp32, int8, size, split.Validation, log, cancellation);
                request.Stage?.Invoke("timing");
                var timingInput = split.Calibration[0];
                timing = MeasureTime(fp32, int8, fp32Fast, timingInput, Math.Max(1, request.TimingRuns), cancellation);
                log($"CPU median of {timing.Runs} runs at {timing.Width}x{timing.Height}: FP32 {timing.Fp32Ms:F1} ms, INT8 {timing.Int8Ms:F1} ms ({timing.Speedup:F2}x)" +
                    (timing.Fp32RewrittenMs is { } f ? $"; FP32 with the same softmax rewrite {f:F1} ms" : ""));
            }
            if (fp32Rewritten is not null) File.Delete(fp32Rewritten);

            var report = new CalibrationReport
            {
                ModelId = request.ModelId ?? Path.GetFileNameWithoutExtension(request.ModelPath),
                ModelPath = Path.GetFullPath(request.ModelPath),
                ModelSha256 = ModelFingerprint.Of(request.ModelPath),
                Method = request.Method,
                Percentile = request.Method == RangeMethod.Percentile ? request.Percentile : null,
                InputSize = size,
                DynamicSize = signature.DynamicSize,
                ImagesDirectory = Path.GetFullPath(request.ImagesDirectory),
                Split = split,
                SamplesRequested = request.Samples,
                ValidationRequested = request.Validation,
                TensorsCalibrated = ranges.Count,
                TensorsWithoutValues = stats.Where(s => s.Count == 0).Select(s => s.Name).ToList(),
                TextCacheSkipped = notInText,
                Qdq = qdqReport,
                QdqOptions = request.Qdq,
                Accuracy = accuracy,
                Timing = timing,
                Fp32Bytes = new FileInfo(request.ModelPath).Length,
                Int8Bytes = new FileInfo(qdqPath).Length,
                RangeSeconds = rangeSeconds,
                OrtVersion = Engines.Caching.Versions.Ort,
            };
            File.WriteAllText(Path.Combine(partial, CalibrationFiles.Report), report.ToJson());
            cancellation.ThrowIfCancellationRequested();

            request.Stage?.Invoke("publish");
            cancellation.ThrowIfCancellationRequested();
            Publish(partial, output);
            return new CalibrationResult(output, report);
        }
        finally
        {
            TryDeleteDirectory(partial);
        }
    }

    /// <summary>The output's parent folder must exist or be creatable, and take a new entry (a probe folder is made and removed).</summary>
    private static void RequireWritableParent(string output, string asGiven)
    {
        string parent = Path.GetDirectoryName(output) ?? throw new CalibrationInputException($"'{asGiven}' has no parent folder.");
        string probe = Path.Combine(parent, $".{Path.GetFileName(output)}.probe-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(probe);
            File.WriteAllBytes(Path.Combine(probe, "probe"), [0]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibrationInputException($"the output folder '{asGiven}' cannot be written: {e.Message}");
        }
        finally
        {
            TryDeleteDirectory(probe);
        }
    }

    /// <summary>The smallest range written to the table: TensorRT needs a nonzero dynamic range even for a tensor that was always 0.</summary>
    public const float MinRange = 1e-6f;

    private static ModelProto LoadModel(string path)
    {
        if (!File.Exists(path)) throw new ModelContractException($"Model file not found: {path}");
        try
        {
            return ActivationScanner.Load(path);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new ModelContractException($"'{Path.GetFileName(path)}' is not a readable ONNX model: {e.Message}", e);
        }
    }

    /// <summary>Runs the FP32 model with every activation as an output over the photos and feeds each tensor's stats.</summary>
    internal static List<ActivationStats> CollectStats(ModelProto model, IReadOnlyList<string> activations, IReadOnlyList<ModelInput> inputs,
        Action<int, int>? imageDone, Action<string> log, CancellationToken cancellation)
    {
        var augmented = ActivationScanner.Augment(model, activations);
        using var options = OrtSessionOptions.Create(GraphOptimizationLevel.ORT_ENABLE_BASIC);
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(augmented), options);
        string inputName = session.InputMetadata.Keys.First();
        var outputs = activations.Where(a => session.OutputMetadata.ContainsKey(a) || a == inputName).ToList();
        var fetched = outputs.Where(a => a != inputName).ToList();
        var stats = outputs.Select(a => new ActivationStats(a)).ToList();
        var index = fetched.Select(f => outputs.IndexOf(f)).ToArray();
        int inputIndex = outputs.IndexOf(inputName);

        for (int n = 0; n < inputs.Count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var input = inputs[n];
            var x = input.ToNchw();
            using var value = OrtValue.CreateTensorValueFromMemory(x, new long[] { 1, 3, input.Height, input.Width });
            using var runOptions = new RunOptions();
            using var registration = cancellation.Register(() => runOptions.Terminate = true);
            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = session.Run(runOptions, new[] { inputName }, new[] { value }, fetched);
            }
            catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellation);
            }
            using (results)
            {
                if (inputIndex >= 0) stats[inputIndex].Add(x);
                Parallel.For(0, fetched.Count, new ParallelOptions { CancellationToken = cancellation }, i =>
                {
                    var r = results[i];
                    if (!r.IsTensor || r.GetTensorTypeAndShape().ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float) return;
                    stats[index[i]].Add(r.GetTensorDataAsSpan<float>());
                });
            }
            imageDone?.Invoke(n + 1, inputs.Count);
            if ((n + 1) % 10 == 0 || n + 1 == inputs.Count) log($"calibration photo {n + 1}/{inputs.Count}");
        }
        return stats;
    }

    /// <summary>ORT's basic optimisations (constant folding, Conv+BatchNorm fusion...) on the FP32 model, then QDQ.</summary>
    private static QdqReport WriteQdqModel(string modelPath, string folder, IReadOnlyDictionary<string, TensorRange> ranges, QdqOptions options, string output)
    {
        string optimized = Path.Combine(folder, ".optimized.onnx");
        try
        {
            using (var so = OrtSessionOptions.Create(GraphOptimizationLevel.ORT_ENABLE_BASIC))
            {
                so.OptimizedModelFilePath = optimized;
                using (new InferenceSession(modelPath, so)) { }
            }
            var basic = ActivationScanner.Load(optimized);
            var qdq = QdqBuilder.Build(basic, ranges, options, out var report);
            ActivationScanner.Save(qdq, output);
            return report;
        }
        finally
        {
            try { File.Delete(optimized); } catch (IOException) { }
        }
    }

    private static ChromaSession OpenQdq(string path)
    {
        try
        {
            return ChromaSession.Open(path, ProviderKind.Cpu, new ProviderSettings { Precision = Precision.Int8 });
        }
        catch (ModelContractException e)
        {
            throw new InvalidOperationException($"the QDQ model written does not load in ONNX Runtime: {e.Message}", e);
        }
    }

    private static AccuracyResult MeasureAccuracy(ChromaSession fp32, ChromaSession int8, int size, IReadOnlyList<string> files,
        Action<string> log, CancellationToken cancellation)
    {
        var settings = new ColorizeSettings { Detail = DetailMode.Global, ModelSize = size };
        var fpColorizer = new Colorizer(new SessionModel(fp32, size));
        var i8Colorizer = new Colorizer(new SessionModel(int8, size));
        var rows = new List<AccuracyRow>();
        foreach (var file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            var truth = ImageCodec.Load(file);
            var gray = GrayVersion.Of(truth);
            var fp = gray.Clone();
            fpColorizer.Colorize(fp, fp, null, settings, cancellation);
            var i8 = gray.Clone();
            i8Colorizer.Colorize(i8, i8, null, settings, cancellation);
            rows.Add(new AccuracyRow(Path.GetFileName(file),
                ImageMetrics.Compare(i8, fp).DeltaE2000,
                ImageMetrics.Compare(fp, truth).DeltaE2000,
                ImageMetrics.Compare(i8, truth).DeltaE2000));
        }
        var result = new AccuracyResult(rows);
        log($"INT8 vs FP32 mean CIEDE2000 {result.Int8VsFp32:F3} over {rows.Count} held-out photos (max {result.Int8VsFp32Max:F3})");
        return result;
    }

    /// <summary>Median wall time of one model run on the CPU, the models interleaved so machine load hits them alike.</summary>
    private static TimingResult MeasureTime(ChromaSession fp32, ChromaSession int8, ChromaSession? fp32Rewritten, ModelInput input, int runs,
        CancellationToken cancellation)
    {
        var x = input.ToNchw();
        var ab = new float[2 * input.Width * input.Height];
        var sessions = fp32Rewritten is null ? new[] { fp32, int8 } : new[] { fp32, int8, fp32Rewritten };
        var ms = sessions.Select(_ => new List<double>()).ToArray();
        foreach (var s in sessions) s.Run(x, 1, input.Height, input.Width, ab, cancellation); // warm-up
        for (int r = 0; r < runs; r++)
            for (int k = 0; k < sessions.Length; k++)
            {
                var clock = Stopwatch.StartNew();
                sessions[k].Run(x, 1, input.Height, input.Width, ab, cancellation);
                ms[k].Add(clock.Elapsed.TotalMilliseconds);
            }
        return new TimingResult(runs, input.Width, input.Height, Median(ms[0]), Median(ms[1]), Environment.ProcessorCount)
        {
            Fp32RewrittenMs = fp32Rewritten is null ? null : Median(ms[2]),
            Fp32MinMs = ms[0].Min(),
            Int8MinMs = ms[1].Min(),
        };
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /// <summary>Moves the finished folder into place; an existing one (--force) is replaced only once the new one is complete.</summary>
    private static void Publish(string partial, string output)
    {
        if (!Directory.Exists(output))
        {
            Directory.Move(partial, output);
            return;
        }
        string old = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.old-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.Move(output, old);
        try
        {
            Directory.Move(partial, output);
        }
        catch
        {
            Directory.Move(old, output);
            throw;
        }
        TryDeleteDirectory(old);
    }

    /// <summary>Partial folders of runs that were killed (their process is gone) are removed.</summary>
    internal static void RemoveStalePartials(string parent, string name)
    {
        string prefix = $".{name}.partial-";
        foreach (var dir in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            var rest = Path.GetFileName(dir)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], out int pid)) continue;
            if (pid == Environment.ProcessId || IsAlive(pid)) continue;
            TryDeleteDirectory(dir);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>An IChromaModel over one session (no ladder, no cache): what the accuracy check colourises with.</summary>
internal sealed class SessionModel(ChromaSession session, int size) : Core.Model.IChromaModel
{
    public string Description => $"{Path.GetFileName(session.ModelPath)} on CPU";
    public int PreferredSize => size;
    public bool DynamicSize => session.Signature.DynamicSize;

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation) =>
        session.Run(gray, batch, height, width, ab, cancellation);
}
