namespace PdnColorize.Engines.Providers;

/// <summary>What a host asks of the engines for one model.</summary>
public sealed record EngineRequest
{
    public required string ModelPath { get; init; }
    public Precision Precision { get; init; } = Precision.Auto;
    public DeviceRequest Device { get; init; } = DeviceRequest.Auto;
    public int DeviceId { get; init; }

    /// <summary>The user's VRAM cap in MiB (`--vram-budget`); null = 80 % of free memory.</summary>
    public int? VramBudgetMiB { get; init; }

    /// <summary>Folder of a `pdncolorize calibrate` output for INT8; null = the cache's default for this model.</summary>
    public string? CalibrationDirectory { get; init; }

    /// <summary>The size S the pipeline runs the model at (the TensorRT profile is built around it).</summary>
    public int PreferredSize { get; init; } = 256;

    /// <summary>Shapes the session may run (TensorRT profile); null = every shape the pipeline may run (<see cref="TensorRtProfile"/>).</summary>
    public RunShape? MinShape { get; init; }
    public RunShape? OptShape { get; init; }
    public RunShape? MaxShape { get; init; }

    public IReadOnlyDictionary<string, string> CudaOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Run the model once on zeros right after a GPU session opens (at batch 1 and the preferred size), under the
    /// opening's progress line: the first run of a CUDA session loads kernels and sets up cuDNN/cuBLAS (about 7 s for
    /// DDColor-large on an H100), which the user would otherwise wait through silently in the job. Bench leaves it off.
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>Benchmarks only: ORT's profiler trace prefix for the session (null = no profiling).</summary>
    public string? ProfilePrefix { get; init; }
}
