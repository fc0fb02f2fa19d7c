using System.Diagnostics;
using System.Text.Json.Serialization;
using PdnColorize.Engines.Gpu;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines.Diagnostics;

/// <summary>One row of `pdncolorize bench --json` (field names fixed by DESIGN.md).</summary>
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
    [JsonPropertyName("notes")] public string Notes { get; init; } = "";
}

/// <summary>
/// Times a model on one provider and precision: session creation and the first run apart (they include graph
/// optimisation, conversion and cuDNN set-up), then the median of timed runs; GPU peak by NVML sampling from before
/// the session exists, so it includes the CUDA context, as GPU.md's anchor numbers do.
/// </summary>
public static class EngineBenchmark
{
    public static BenchResult Run(EngineFactory factory, EngineRequest request, string modelName, int size, int batch,
        int warmup = 3, int runs = 20, Action<string>? log = null)
    {
        HostMemory.ResetPeak();
        using var sampler = Nvml.Unavailable is null ? new NvmlSampler(request.DeviceId) : null;
        var engine = factory.Open(request with
        {
            MinShape = new RunShape(1, size, size), OptShape = new RunShape(batch, size, size), MaxShape = new RunShape(batch, size, size),
        });
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
        for (int i = 1; i < warmup; i++) engine.Run(input, batch, s, s, output);
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            clock.Restart();
            engine.Run(input, batch, s, s, output);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        double median = runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
        log?.Invoke($"{modelName} {engine.Summary} {s}px x{batch}: first {first:F1} ms, median {median:F2} ms");
        return new BenchResult(modelName, engine.Provider.Label(), engine.Precision.Label(), s, batch, Math.Round(median, 3),
            sampler is null ? null : Math.Round(sampler.PeakDeltaMiB, 1), Math.Round(HostMemory.PeakMiB(), 1))
        {
            FirstRunMs = Math.Round(first, 1),
            Notes = string.Join("; ", engine.Notes.Concat(engine.Attempts.Where(a => !a.Succeeded).Select(a => a.ToString()))),
        };
    }
}
