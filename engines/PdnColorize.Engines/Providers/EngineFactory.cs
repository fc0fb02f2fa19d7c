using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Diagnostics;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// Opens a model for a request: climbs the provider ladder, resolves Auto precision per provider, fetches the
/// converted or calibrated variant, applies the VRAM budget, and wraps the session in the NaN guard.
/// </summary>
public sealed class EngineFactory
{
    private readonly SessionCache _sessions;
    private readonly ModelVariants _variants;
    private readonly UnsafePrecisions _unsafe;
    private readonly RememberedKeys _graphRefusals;
    private readonly Func<IReadOnlyList<string>> _compiledProviders;
    private readonly Func<ProviderKind, EngineRequest, ProviderSettings, ChromaSession> _open;
    private readonly Action<string> _log;
    private readonly SilenceWatch _watch;

    /// <param name="quietLimit">How long a step of opening may run silently before it says what it does (1 s).</param>
    public EngineFactory(CacheStore cache, Action<string>? log = null, SessionCache? sessions = null,
        Func<IReadOnlyList<string>>? compiledProviders = null,
        Func<ProviderKind, EngineRequest, ProviderSettings, ChromaSession>? open = null, TimeSpan? quietLimit = null)
    {
        // Every line goes through the watch, so a slow step stays quiet while something else was just said.
        _watch = new SilenceWatch(log ?? (_ => { }), quietLimit);
        _log = _watch.Log;
        Cache = cache;
        _sessions = sessions ?? SessionCache.Shared;
        _variants = new ModelVariants(cache, _log);
        _unsafe = new UnsafePrecisions(Path.Combine(cache.Root, "unsafe-precisions.json"));
        // ORT refusing CUDA graphs for a model costs a second session open; remembered, it costs one.
        _graphRefusals = new RememberedKeys(Path.Combine(cache.Root, "cuda-graph-refusals.json"));
        _compiledProviders = compiledProviders ?? (() => EngineInfo.CompiledProviders);
        _open = open ?? OpenSession;
    }

    public CacheStore Cache { get; }

    public static EngineFactory Default(Action<string>? log = null) => new(CacheStore.Default(log), log);

    public ChromaEngine Open(EngineRequest request)
    {
        string name = Path.GetFileName(request.ModelPath);
        string sha;
        using (_watch.During($"reading {name} (its checksum, once per process)"))
            sha = ModelFingerprint.Of(request.ModelPath);
        var notes = new List<string>();
        var compiled = _compiledProviders();

        string? Precheck(ProviderKind kind)
        {
            string ortName = kind switch { ProviderKind.TensorRt => "TensorrtExecutionProvider", ProviderKind.Cuda => "CUDAExecutionProvider", _ => "CPUExecutionProvider" };
            if (!compiled.Contains(ortName))
                return $"this ONNX Runtime build has no {kind.Label()} provider (install the GPU runtime: pdncolorize-setup install --gpu cuda)";
            return null;
        }

        ProviderSettings SettingsFor(ProviderKind kind, Precision precision)
        {
            var settings = new ProviderSettings
            {
                DeviceId = request.DeviceId,
                Precision = precision,
                GpuMemLimitBytes = kind.IsGpu() && request.VramBudgetMiB is { } mib ? (long)mib << 20 : null,
                MinShape = request.MinShape, OptShape = request.OptShape, MaxShape = request.MaxShape,
                CudaOverrides = request.CudaOverrides,
                ProfilePrefix = request.ProfilePrefix,
            };
            if (kind != ProviderKind.TensorRt || (request.MinShape is not null && request.OptShape is not null && request.MaxShape is not null))
                return settings;
            // TensorRT gets one profile covering every shape the pipeline may run (read from the model's input dims).
            var (batch, size) = TensorRtProfile.FixedDimensions(request.ModelPath);
            var (min, opt, max) = TensorRtProfile.Covering(request.PreferredSize, batch, size);
            return settings with { MinShape = min, OptShape = opt, MaxShape = max };
        }

        ChromaSession OpenAt(ProviderKind kind, Precision precision)
        {
            var settings = SettingsFor(kind, precision);
            string graphKey = $"{sha}|{precision}|{Versions.Ort}";
            if (kind == ProviderKind.Cuda && settings.CudaGraphs && _graphRefusals.Contains(graphKey))
                settings = settings.WithoutCudaGraphs();
            // ONNX Runtime optimises the graph (and allocates on the GPU) while it opens a session: seconds for a large model.
            ChromaSession session;
            using (_watch.During($"opening {name} on {kind.Label()} at {precision.Label()}"))
                session = _open(kind, request, settings);
            if (session.CudaGraphsRefused is not null) _graphRefusals.Add(graphKey);
            return session;
        }

        var (session, attempts) = ProviderLadder.Climb(EngineChoices.Ladder(request.Device), kind =>
        {
            var precision = request.Precision.Resolve(kind);
            if (precision != Precision.Fp32 && _unsafe.IsUnsafe(sha, precision, kind))
            {
                notes.Add($"{precision.Label()} on {kind.Label()} produced NaN/Inf for this model before; using FP32.");
                precision = Precision.Fp32;
            }
            return OpenAt(kind, precision);
        }, Precheck);

        var kindUsed = session.Provider;
        foreach (var n in notes) _log(n);
        if (request.WarmUp && kindUsed.IsGpu())
            using (_watch.During($"a first run of {name} on the {kindUsed.Label()} GPU (kernels and cuDNN set up once per session)"))
                WarmUp(session, request.PreferredSize);
        // Out of GPU memory mid-job degrades to the CPU even when the GPU was asked for by name: a GPU that cannot
        // start is a setup problem worth an error, a full GPU is a resource problem worth finishing the picture.
        Func<ChromaSession>? openCpu = kindUsed.IsGpu() ? () => OpenAt(ProviderKind.Cpu, Precision.Fp32) : null;
        return new ChromaEngine(session, attempts, () => OpenAt(kindUsed, Precision.Fp32), _unsafe, sha, _log, notes, openCpu)
        {
            DeviceId = request.DeviceId,
            OptionsTag = string.Join(",", request.CudaOverrides.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)),
        };
    }

    /// <summary>
    /// One plain run on zeros at the model's smallest batch and the preferred size. A failure here is not the job's:
    /// the job meets it again where the ladder and the out-of-memory fallback can act on it.
    /// </summary>
    private static void WarmUp(ChromaSession session, int preferredSize)
    {
        int batch = session.Signature.FixedBatch ?? 1, side = session.Signature.ResolveSize(preferredSize);
        long plane = (long)side * side;
        try
        {
            session.Run(new float[batch * 3 * plane], batch, side, side, new float[batch * 2 * plane], replayable: false);
            // What the warm-up took goes back, so the memory probes read the session idle, as before it existed.
            session.ReleaseArena();
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or InvalidOperationException)
        {
        }
    }

    private ChromaSession OpenSession(ProviderKind kind, EngineRequest request, ProviderSettings settings)
    {
        if (kind == ProviderKind.TensorRt)
        {
            var key = new CacheKey(ModelFingerprint.Of(request.ModelPath), "trt", settings.Precision.ToString(), "-", Versions.Ort,
                TensorRtVersion: "10", ComputeCapability: Gpu.Nvml.TryQuery(request.DeviceId)?.ComputeCapability);
            string engineDir = Cache.Folder(key);
            if (!Directory.Exists(engineDir) || !Directory.EnumerateFileSystemEntries(engineDir).Any())
                _log($"building the TensorRT engine for {Path.GetFileName(request.ModelPath)} at {settings.Precision.Label()} (once per model and card; cached)");
            settings = settings with { EngineCacheDirectory = engineDir };
            if (settings.Precision == Precision.Int8)
                settings = settings with { Int8CalibrationTable = _variants.StageTensorRtTable(request.ModelPath, engineDir, request.CalibrationDirectory) };
            return _sessions.Get(request.ModelPath, kind, settings);
        }
        string variant = _variants.PathFor(request.ModelPath, settings.Precision, kind, request.CalibrationDirectory);
        return _sessions.Get(variant, kind, settings);
    }
}
