using System.Diagnostics;
using System.Text.Json.Serialization;
using PdnColorize.Engines.Gpu;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines.Diagnostics;

/// <summary>One row of `pdncolorize bench --json` (field names fixed: docs/architecture.md).</summary>
public sealed record BenchResult(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("median_ms")] double MedianMs,
    [property: JsonPropertyName("peak_vram_mib")] double? PeakVramMiB,
    [property: JsonPropertyName("host_peak_mib")] double HostPeakMiB)
{
    [JsonPropertyName("first_run_ms")] public double FirstRunMs { get; init; }

    /// <summary>With an alternate shape: the median when every run switches between the two shapes (null otherwise).</summary>
    [JsonPropertyName("alternating_median_ms")] public double? AlternatingMedianMs { get; init; }
    [JsonPropertyName("alternate")] public string? Alternate { get; init; }
    [JsonPropertyName("notes")] public string Notes { get; init; } = "";

    /// <summary>CUDA graphs the session captured (null off CUDA); 0 where ORT refused them (see notes).</summary>
    [JsonPropertyName("cuda_graphs")] public int? CudaGraphs { get; init; }

    /// <summary>Mean host/device copy time of a graph run (float32 input and output through pageable host memory).</summary>
    [JsonPropertyName("copy_ms")] public double? CopyMs { get; init; }

    /// <summary>Achieved arithmetic, from the caller's count of the model's FLOPs per image (engines/bench/count_flops.py).</summary>
    [JsonPropertyName("tflops")] public double? Tflops { get; init; }

    /// <summary>
    /// Where the GPU memory goes (NVML, MiB over the device's use before this process): the CUDA context alone, then
    /// with the open session (weights, cuDNN/cuBLAS handles), then after the first run (activations in ORT's arena,
    /// convolution workspaces, kernels loaded on first use). Null off the GPU.
    /// </summary>
    [JsonPropertyName("context_mib")] public double? ContextMiB { get; init; }
    [JsonPropertyName("session_mib")] public double? SessionMiB { get; init; }
    [JsonPropertyName("after_first_run_mib")] public double? AfterFirstRunMiB { get; init; }

    /// <summary>After the timed runs and an arena release (what a host that stays open keeps between jobs).</summary>
    [JsonPropertyName("after_release_mib")] public double? AfterReleaseMiB { get; init; }

    /// <summary>The ORT profiler's trace, when asked for.</summary>
    [JsonPropertyName("profile")] public string? Profile { get; init; }
}

/// <summary>
/// Times a model on one provider and precision: session creation and the first run apart (they include graph
/// optimisation, conversion and cuDNN set-up), then the median of timed runs; GPU peak by NVML sampling from before
/// the session exists, so it includes the CUDA context, as the PyTorch reference numbers in docs/performance.md do.
/// </summary>
public static class EngineBenchmark
{
    /// <param name="alternate">Another (batch, height, width) to interleave after the plain runs: the pipeline runs a global
    /// pass and tiles of different shapes through one session, and a provider may redo per-shape set-up on every switch.</param>
    public static BenchResult Run(EngineFactory factory, EngineRequest request, string modelName, int size, int batch,
        int warmup = 3, int runs = 20, Action<string>? log = null, RunShape? alternate = null, double? gflopPerImage = null)
    {
        HostMemory.ResetPeak();
        using var sampler = Nvml.Unavailable is null ? new NvmlSampler(request.DeviceId) : null;
        long baseline = sampler is null ? 0 : Nvml.TryQuery(request.DeviceId)?.UsedBytes ?? 0;
        double? UsedMiB() => sampler is null ? null : Math.Round(((Nvml.TryQuery(request.DeviceId)?.UsedBytes ?? 0) - baseline) / 1048576.0, 1);
        double? contextMiB = null;
        if (sampler is not null && request.Device != DeviceRequest.Cpu && CudaRuntime.Available)
        {
            GpuBaseline.RecordOnce(request.DeviceId); // the session's own baseline stays "before any context"
            CudaRuntime.CreateContext(request.DeviceId);
            contextMiB = UsedMiB();
        }
        var engine = factory.Open(request with
        {
            MinShape = new RunShape(1, size, size), OptShape = new RunShape(batch, size, size), MaxShape = new RunShape(batch, size, size),
        });
        bool onGpu = engine.Provider.IsGpu();
        double? sessionMiB = onGpu ? UsedMiB() : null;
        int s = engine.Signature.ResolveSize(size);
        var input = new float[batch * 3 * s * s];
        var rng = new Random(1234);
        for (int i = 0; i < s * s; i++) input[i] = (float)rng.NextDouble();
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < 3; c++)
                if (n + c > 0) Array.Copy(input, 0, input, (n * 3 + c) * s * s, s * s);
        var output = new float[batch * 2 * s * s];

        var clock = Stopwatch.StartNew();
        engine.Run(input, batch, s, s, output);
        double first = clock.Elapsed.TotalMilliseconds;
        double? afterFirstMiB = onGpu ? UsedMiB() : null;
        for (int i = 1; i < warmup; i++) engine.Run(input, batch, s, s, output);
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            clock.Restart();
            engine.Run(input, batch, s, s, output);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        double median = Median(times);
        double? alternating = null;
        if (alternate is var (ab, ah, aw))
        {
            var otherInput = new float[ab * 3 * ah * aw];
            var otherOutput = new float[ab * 2 * ah * aw];
            engine.Run(otherInput, ab, ah, aw, otherOutput); // the other shape's own first run, untimed
            var switching = new double[runs];
            for (int i = 0; i < runs; i++)
            {
                engine.Run(otherInput, ab, ah, aw, otherOutput);
                clock.Restart();
                engine.Run(input, batch, s, s, output);
                switching[i] = clock.Elapsed.TotalMilliseconds;
            }
            alternating = Math.Round(Median(switching), 3);
            log?.Invoke($"  right after a {Describe(alternate.Value, batch)} run: median {alternating:F2} ms");
        }
        var session = engine.Session;
        double? afterReleaseMiB = null;
        if (onGpu)
        {
            session.ReleaseArena(); // a no-op once CUDA graphs hold the arena
            afterReleaseMiB = UsedMiB();
        }
        var (copy, graphRuns) = session.GraphTransfers;
        double? tflops = gflopPerImage is { } g ? Math.Round(g * batch / median, 2) : null; // GFLOP per ms = TFLOP/s
        string? profile = request.ProfilePrefix is null ? null : session.EndProfiling();
        log?.Invoke($"{modelName} {engine.Summary} {s}px x{batch}: first {first:F1} ms, median {median:F2} ms"
            + (session.CudaGraphs ? $", {session.CudaGraphCount} CUDA graph(s)" : "") + (tflops is { } t ? $", {t:F1} TFLOP/s" : ""));
        return new BenchResult(modelName, engine.Provider.Label(), engine.Precision.Label(), s, batch, Math.Round(median, 3),
            sampler is null ? null : Math.Round(sampler.PeakDeltaMiB, 1), Math.Round(HostMemory.PeakMiB(), 1))
        {
            FirstRunMs = Math.Round(first, 1),
            AlternatingMedianMs = alternating,
            Alternate = alternate is { } other ? Describe(other, batch) : null,
            Notes = string.Join("; ", engine.Notes.Concat(engine.Attempts.Where(a => !a.Succeeded).Select(a => a.ToString()))
                .Concat(session.CudaGraphsRefused is { } why ? [$"CUDA graphs refused by ONNX Runtime: {why}"] : [])),
            CudaGraphs = engine.Provider == ProviderKind.Cuda ? session.CudaGraphCount : null,
            CopyMs = graphRuns > 0 ? Math.Round(copy.TotalMilliseconds / graphRuns, 3) : null,
            Tflops = tflops,
            Profile = profile,
            ContextMiB = onGpu ? contextMiB : null,
            SessionMiB = sessionMiB,
            AfterFirstRunMiB = afterFirstMiB,
            AfterReleaseMiB = afterReleaseMiB,
        };
    }

    /// <summary>"WxH", with the batch named when it differs from the timed shape's.</summary>
    private static string Describe(RunShape shape, int batch) =>
        shape.Batch == batch ? $"{shape.Width}x{shape.Height}" : $"{shape.Width}x{shape.Height} batch {shape.Batch}";

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
