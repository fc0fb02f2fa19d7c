using System.Collections.Concurrent;
using PdnColorize.Core.Detail;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Descriptors;
using PdnColorize.Engines.Gpu;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Core.Model;

/// <summary>How the user wants the model run; everything optional.</summary>
public sealed record EngineChoice
{
    public Precision Precision { get; init; } = Precision.Auto;
    public DeviceRequest Device { get; init; } = DeviceRequest.Auto;
    public int? VramBudgetMiB { get; init; }
    public string? CalibrationDirectory { get; init; }
    public IReadOnlyDictionary<string, string> CudaOverrides { get; init; } = new Dictionary<string, string>();
}

/// <summary>An <see cref="IChromaModel"/> over an engine chosen by the provider ladder (NaN-guarded) and the model's manifest.</summary>
public sealed class OnnxChromaModel : IChromaModel
{
    private readonly CacheStore? _cache;
    private readonly int? _vramBudgetMiB;
    private readonly Action<string> _log;
    private IDetailCapacity? _gpuCapacity;

    /// <param name="cache">Where the GPU memory model is cached; null = no GPU planning (one tile of S per call).</param>
    /// <param name="vramBudgetMiB">The user's VRAM cap (`--vram-budget`), which the planner honours as well.</param>
    public OnnxChromaModel(ChromaEngine engine, ModelManifest manifest, int? sizeOverride = null, CacheStore? cache = null,
        int? vramBudgetMiB = null, Action<string>? log = null)
    {
        Engine = engine;
        Manifest = manifest;
        PreferredSize = engine.Signature.ResolveSize(manifest.ClampSize(sizeOverride ?? manifest.InputSize));
        _cache = cache;
        _vramBudgetMiB = vramBudgetMiB;
        _log = log ?? (_ => { });
    }

    public ChromaEngine Engine { get; }
    public ModelManifest Manifest { get; }
    public string Description => $"{Manifest.Id} on {Engine.Summary}, {PreferredSize}px";
    public int PreferredSize { get; }
    public bool DynamicSize => Engine.Signature.DynamicSize;
    public IReadOnlyList<string> Notes => Engine.Notes;

    /// <summary>Resolves a model (null = the embedded default) and opens it through the ladder and the session cache.</summary>
    public static OnnxChromaModel Load(string? idOrPath, int? sizeOverride = null, ModelStore? store = null,
        EngineChoice? choice = null, Action<string>? log = null, EngineFactory? factory = null)
    {
        var entry = (store ?? ModelStore.Default()).Resolve(idOrPath);
        choice ??= new EngineChoice();
        factory ??= EngineFactory.Default(log);
        // A damaged copy would run and colour wrongly with exit 0; the verdict is cached, so a large model is hashed once.
        new ModelVerifier(Path.Combine(factory.Cache.Root, ModelVerifier.VerdictFileName)).Check(entry);
        // Every published I/O convention becomes the internal contract here (a cached graph rewrite), so the engine,
        // its FP16/INT8 variants and everything below see a contract model.
        string runnable = ContractAdapter.Prepare(entry, factory.Cache, log);
        var engine = factory.Open(new EngineRequest
        {
            ModelPath = runnable,
            PreferredSize = entry.Manifest.ClampSize(sizeOverride ?? entry.Manifest.InputSize),
            Precision = choice.Precision,
            Device = choice.Device,
            VramBudgetMiB = choice.VramBudgetMiB,
            CalibrationDirectory = choice.CalibrationDirectory,
            CudaOverrides = choice.CudaOverrides,
            WarmUp = true,
        });
        return new OnnxChromaModel(engine, entry.Manifest, sizeOverride, factory.Cache, choice.VramBudgetMiB, log);
    }

    /// <summary>
    /// On a GPU: the VRAM planner over a memory model fitted from two probe runs of this model's ONNX Runtime
    /// engine (cached on disk per model, precision, options and GPU), under min(--vram-budget, 0.8 x what the process
    /// may hold). On the CPU: the CPU capacity. The provider is read on every call: a job that ran out of GPU memory continues on the CPU and
    /// plans for it.
    /// </summary>
    public IDetailCapacity Capacity => Engine.Provider.IsGpu() ? _gpuCapacity ??= BuildGpuCapacity() : CpuDetailCapacity.Default;

    /// <summary>On a GPU engine (read on every call, like <see cref="Capacity"/>: a job that fell back to the CPU stops caring).</summary>
    public bool ShapeChangesCost => Engine.Provider.IsGpu();

    public int RunBatch(int batch) => Engine.Signature.FixedBatch is 1 ? 1 : batch;

    private IDetailCapacity BuildGpuCapacity()
    {
        if (_cache is null || Nvml.Unavailable is not null)
            return new DelegateDetailCapacity($"{Engine.Provider.Label()} without a memory reading (one tile per call)", r => new DetailCapacity(1, r.ModelSize));
        var meter = new NvmlVramMeter(Engine.DeviceId);
        var profiler = new MemoryProfiler(_cache, meter, _log, () => Engine.Session.ReleaseArena());
        var models = new ConcurrentDictionary<int, MemoryModel>();
        // The probes ran plainly; graphs captured since hold their bound buffers on top (read at every plan).
        return new VramDetailCapacity(size => models.GetOrAdd(size, s => profiler.Profile(Engine, s, _vramBudgetMiB).Model)
                .WithHeld(Engine.Session.GraphBytesHeld / 1048576.0),
            meter.AvailableMiB, _vramBudgetMiB);
    }

    /// <summary>Shrinks the GPU arena (ORT gives its free regions back); a session replaying CUDA graphs keeps its arena.</summary>
    public void ReleaseWorkingMemory()
    {
        if (Engine.Provider.IsGpu()) Engine.Session.ReleaseArena();
    }

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
    {
        if (Engine.Signature.FixedBatch is 1 && batch > 1)
        {
            // Batch by repeated runs: the model was exported with N fixed to 1.
            long inPlane = 3L * height * width, outPlane = 2L * height * width;
            var one = new float[inPlane];
            for (int n = 0; n < batch; n++)
            {
                Array.Copy(gray, n * inPlane, one, 0, inPlane);
                Engine.Run(one, 1, height, width, ab.Slice((int)(n * outPlane), (int)outPlane), cancellation);
            }
            return;
        }
        Engine.Run(gray, batch, height, width, ab, cancellation);
    }
}
