using System.Text.Json.Serialization;
using PdnColorize.Engines.Diagnostics;
using PdnColorize.Quality;

namespace PdnColorize.Cli;

/// <summary>
/// The JSON the CLI writes (bench rows, the pipeline benchmark, the memory probe, quality reports), through
/// source-generated metadata so that a trimmed self-contained publish writes it too. The reports are named records
/// rather than anonymous objects because the generator needs types it can see; their JSON names are unchanged.
/// </summary>
[JsonSerializable(typeof(BenchResult))]
[JsonSerializable(typeof(List<BenchResult>))]
[JsonSerializable(typeof(PipelineBenchReport))]
[JsonSerializable(typeof(MemoryProbeReport))]
[JsonSerializable(typeof(QualityReport))]
[JsonSerializable(typeof(List<PipelineQualityRow>))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary><c>bench --pipeline --json</c>.</summary>
internal sealed record PipelineBenchReport(
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("stages")] IReadOnlyList<PipelineTiming> Stages,
    [property: JsonPropertyName("host_peak_mib")] double HostPeakMiB,
    [property: JsonPropertyName("image_mib")] double ImageMiB);

/// <summary><c>bench --probe-memory</c>: the fitted memory model and the readings behind it.</summary>
internal sealed record MemoryProbeReport(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("idle_mib")] double IdleMiB,
    [property: JsonPropertyName("base_mib")] double BaseMiB,
    [property: JsonPropertyName("mib_per_megapixel")] double MiBPerMegapixel,
    [property: JsonPropertyName("probe_ms")] double ProbeMs,
    [property: JsonPropertyName("readings")] IReadOnlyList<MemoryProbeReading> Readings);

internal sealed record MemoryProbeReading(
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("peak_mib")] double PeakMiB,
    [property: JsonPropertyName("failed")] bool Failed);

// quality --json (written with snake_case names).
internal sealed record QualityReport(string Model, string Dir, QualitySettings Settings, QualityTargets Targets,
    IReadOnlyList<PhotoQuality> Photos, IReadOnlyList<StepEdgeBleed> StepEdge, IReadOnlyList<QualityFailure> Failed);

internal sealed record QualitySettings(string Upsampling, string Harmonization, double DetailScale, string GlobalShape, int BorderFade);

internal sealed record QualityTargets(double Seam, double Drift, double DriftBlurSigmaPx);

internal sealed record StepEdgeBleed(string Upsampling, double BleedPx);

internal sealed record QualityFailure(string File, string Reason);

/// <summary>One configuration of <c>quality --pipeline --json</c>.</summary>
internal sealed record PipelineQualityRow(double Megapixels, int Width, int Height, int Threads, double Strength, string Mode,
    string Upsampling, string Report, IReadOnlyList<PipelineTiming> Stages, double HostPeakMib, double ImageMib);
