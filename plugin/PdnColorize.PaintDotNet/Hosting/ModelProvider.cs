using PdnColorize.Core.Model;
using PdnColorize.Engines;
using PdnColorize.Engines.Providers;

namespace PdnColorize.PaintDotNet.Hosting;

public sealed record ModelChoice(string Id, string DisplayName, bool Embedded);

/// <summary>The models the dialog offers and how one is opened: the seam through which tests inject fakes.</summary>
public interface IModelProvider
{
    /// <summary>Installed models, embedded ones first (the default model first of all).</summary>
    IReadOnlyList<ModelChoice> List();

    /// <summary>
    /// Opens a model (empty id = the embedded default) for the planned device and precision. The caller owns the
    /// result: one that is <see cref="IDisposable"/> is disposed when no render will use it again.
    /// </summary>
    /// <param name="cancellation">Nobody wants the model any more: stop where the opening can stop.</param>
    IChromaModel Open(string modelId, ExecutionPlan plan, CancellationToken cancellation = default);
}

/// <summary>Models from <see cref="ModelStore"/>, opened through Core's ONNX loader.</summary>
public sealed class StoreModelProvider(ModelStore? store = null) : IModelProvider
{
    private ModelStore Store => store ?? ModelStore.Default();

    public IReadOnlyList<ModelChoice> List() =>
        Store.List()
            .DistinctBy(e => e.Manifest.Id, StringComparer.OrdinalIgnoreCase)
            .Select(e => new ModelChoice(e.Manifest.Id, Label(e), e.Embedded))
            .ToList();

    /// <summary>"DDColor large (DDColor, 870 MB)": the family and file size tell installed models apart.</summary>
    internal static string Label(ModelEntry e)
    {
        if (e.Embedded) return $"{e.Manifest.Name} (built in)";
        var details = new List<string>();
        if (e.Manifest.Family is { Length: > 0 } family) details.Add(family);
        if (File.Exists(e.ModelPath)) details.Add($"{new FileInfo(e.ModelPath).Length / 1e6:F0} MB");
        return details.Count == 0 ? e.Manifest.Name : $"{e.Manifest.Name} ({string.Join(", ", details)})";
    }

    /// <remarks>
    /// The sessions behind the model live in the engines' process-wide session cache (the next dialog reuses them),
    /// so the model itself holds nothing to dispose. ONNX Runtime cannot stop a load or a conversion midway, so the
    /// cancellation is honoured before the work starts.
    /// </remarks>
    public IChromaModel Open(string modelId, ExecutionPlan plan, CancellationToken cancellation = default)
    {
        NativeRuntime.EnsureLoaded();
        cancellation.ThrowIfCancellationRequested();
        // The engines' ladder makes the final choice (and falls back with a reason); the plan narrows it.
        var choice = new EngineChoice
        {
            Device = plan.OnGpu ? DeviceRequest.Auto : DeviceRequest.Cpu,
            Precision = plan.Precision switch
            {
                PrecisionChoice.FP32 => Precision.Fp32,
                PrecisionChoice.FP16 => Precision.Fp16,
                PrecisionChoice.INT8 => Precision.Int8,
                _ => Precision.Auto,
            },
            // No CUDA graphs here: the dialog reruns the model only for a new answer (ChromaCache keeps the others),
            // so a graph would rarely replay, and a session holding graphs cannot give its arena back between jobs,
            // which ReleaseWorkingMemory does after every render (docs/performance.md, "Memory").
            CudaOverrides = new Dictionary<string, string> { ["enable_cuda_graph"] = "0" },
        };
        return OnnxChromaModel.Load(string.IsNullOrEmpty(modelId) ? null : modelId, store: Store, choice: choice);
    }
}
