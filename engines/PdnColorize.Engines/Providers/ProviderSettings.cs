using System.Globalization;

namespace PdnColorize.Engines.Providers;

/// <summary>A batch/size combination the planner may ask a session to run (TensorRT builds a profile covering them).</summary>
public readonly record struct RunShape(int Batch, int Height, int Width)
{
    public string Format(string input) => $"{input}:{Batch}x3x{Height}x{Width}";
}

/// <summary>Everything a provider needs to be configured for one session.</summary>
public sealed record ProviderSettings
{
    public int DeviceId { get; init; }

    /// <summary>Resolved precision (never Auto here).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>CUDA arena cap from the user's VRAM budget; null = no cap.</summary>
    public long? GpuMemLimitBytes { get; init; }

    /// <summary>Folder for TensorRT engines and timing caches (a per-model, per-GPU cache entry).</summary>
    public string? EngineCacheDirectory { get; init; }

    /// <summary>File name of the INT8 calibration table inside <see cref="EngineCacheDirectory"/> (TensorRT reads it from there).</summary>
    public string? Int8CalibrationTable { get; init; }

    /// <summary>Smallest, typical and largest shapes the session will see (TensorRT optimisation profile).</summary>
    public RunShape? MinShape { get; init; }
    public RunShape? OptShape { get; init; }
    public RunShape? MaxShape { get; init; }

    /// <summary>Extra or replacement CUDA provider options (bench levers: "cudnn_conv_algo_search=EXHAUSTIVE", ...).</summary>
    public IReadOnlyDictionary<string, string> CudaOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// CUDA graphs: on unless the options say <c>enable_cuda_graph=0</c>. A CUDA session then replays a captured graph for
    /// every shape it has run before (tiles, the next photo of a batch, a re-render), through device buffers bound once
    /// per shape; a shape's first run and the memory probes run plainly (docs/performance.md, "CUDA graphs by default").
    /// </summary>
    public bool CudaGraphs => !(CudaOverrides.TryGetValue("enable_cuda_graph", out var v) && v.Trim() == "0");

    /// <summary>The same settings with CUDA graphs off (a model ORT refused them for).</summary>
    public ProviderSettings WithoutCudaGraphs() =>
        this with { CudaOverrides = new Dictionary<string, string>(CudaOverrides) { ["enable_cuda_graph"] = "0" } };

    /// <summary>Benchmarks only: ONNX Runtime's profiler writes a trace per session under this path prefix.</summary>
    public string? ProfilePrefix { get; init; }
}

/// <summary>
/// CUDA provider options chosen for memory as well as speed. Defaults in ORT grow the arena by powers of two and let
/// cuDNN take its largest workspace, which is why ORT at default settings used 1.5-2x PyTorch's memory (docs/performance.md).
/// </summary>
public static class CudaOptionSet
{
    /// <param name="graphs">False under TensorRT: its nodes are not the CUDA provider's, and ORT refuses a graph then.</param>
    public static Dictionary<string, string> Build(ProviderSettings s, bool graphs = true)
    {
        var o = new Dictionary<string, string>
        {
            ["device_id"] = s.DeviceId.ToString(CultureInfo.InvariantCulture),
            // arena_extend_strategy stays ORT's kNextPowerOfTwo: kSameAsRequested was predicted to save memory and
            // measured 350 MiB *more* (2053 vs 1703 MiB, DDColor-tiny@512 FP16, H200, docs/performance.md).
            // cuDNN's max workspace buys little for these convolutions and costs hundreds of MiB.
            ["cudnn_conv_use_max_workspace"] = "0",
            // Heuristic choice avoids exhaustive benchmarking's transient workspace spikes and slow first run.
            ["cudnn_conv_algo_search"] = "HEURISTIC",
            ["do_copy_in_default_stream"] = "1",
            ["enable_cuda_graph"] = graphs && s.CudaGraphs ? "1" : "0",
        };
        // prefer_nhwc stays off: predicted to help FP16 tensor cores, it measured 19.3 vs 14.0 ms (DDColor-tiny@512,
        // H200) because ConvNeXt's channel-last layer norms then need a transpose around every convolution.
        if (s.GpuMemLimitBytes is { } limit) o["gpu_mem_limit"] = ArenaLimit(limit).ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in s.CudaOverrides)
            if (graphs || k != "enable_cuda_graph") o[k] = v;
        return o;
    }

    /// <summary>
    /// The CUDA context and cuDNN/cuBLAS handles live outside ORT's arena (about 750 MiB on the H200: the embedded
    /// model's whole process peaked at 787-830 MiB), so the arena gets the user's budget minus that reserve.
    /// </summary>
    public const long ContextReserveBytes = 768L << 20;

    public static long ArenaLimit(long budgetBytes) => Math.Max(256L << 20, budgetBytes - ContextReserveBytes);
}

/// <summary>TensorRT provider options: precision flags, calibration table, engine and timing caches, one profile.</summary>
public static class TensorRtOptionSet
{
    public static Dictionary<string, string> Build(ProviderSettings s, string inputName)
    {
        if (s.Precision == Precision.Int8 && s.Int8CalibrationTable is null)
            throw new InvalidOperationException("TensorRT INT8 needs a calibration table: run `pdncolorize calibrate <model> <photos>` first.");
        var o = new Dictionary<string, string>
        {
            ["device_id"] = s.DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = s.Precision is Precision.Fp16 or Precision.Int8 ? "1" : "0",
            ["trt_int8_enable"] = s.Precision == Precision.Int8 ? "1" : "0",
        };
        if (s.Precision == Precision.Int8)
        {
            o["trt_int8_calibration_table_name"] = s.Int8CalibrationTable!;
            o["trt_int8_use_native_calibration_table"] = "0"; // ours is ORT's flatbuffers table
        }
        if (s.EngineCacheDirectory is { } dir)
        {
            o["trt_engine_cache_enable"] = "1";
            o["trt_engine_cache_path"] = dir;
            o["trt_timing_cache_enable"] = "1";
            o["trt_timing_cache_path"] = dir;
        }
        if (s.GpuMemLimitBytes is { } limit)
            o["trt_max_workspace_size"] = Math.Max(256L << 20, limit / 4).ToString(CultureInfo.InvariantCulture);
        if (s.MinShape is { } min && s.OptShape is { } opt && s.MaxShape is { } max)
        {
            o["trt_profile_min_shapes"] = min.Format(inputName);
            o["trt_profile_opt_shapes"] = opt.Format(inputName);
            o["trt_profile_max_shapes"] = max.Format(inputName);
        }
        return o;
    }
}
