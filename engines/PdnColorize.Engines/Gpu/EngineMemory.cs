using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines.Gpu;

/// <summary>The memory model of an open GPU engine: cache key and probe runs, on top of <see cref="MemoryProfiler"/>.</summary>
public static class EngineMemory
{
    /// <summary>
    /// What the fit depends on: the model's bytes, precision and provider (the session), the probe size and user
    /// options (arena strategy, workspace), ORT's version, and the GPU with its driver (context size differs per card).
    /// </summary>
    public static CacheKey KeyFor(ChromaEngine engine, int size)
    {
        string gpu = Nvml.TryQuery(engine.DeviceId) is { } g ? $"{g.Name} sm{g.ComputeCapability} driver {g.DriverVersion}" : "no-nvml";
        return new CacheKey(engine.ModelSha, "vram-" + engine.Provider.ToString().ToLowerInvariant(), engine.Precision.ToString(),
            $"{MemoryProfiler.MethodVersion}|{size}|{engine.OptionsTag}", Versions.Ort, ComputeCapability: gpu);
    }

    /// <summary>
    /// The cached fit, or probes of the engine's session on zero input at the profiler's works, two plain runs each
    /// (never a CUDA graph: a probe shape is not the job's). The session is run directly, not through the engine's CPU
    /// fallback: a probe that runs out of memory must say so, not move the job to the CPU.
    /// </summary>
    public static MemoryProfile Profile(this MemoryProfiler profiler, ChromaEngine engine, int size, double? capMiB = null,
        CancellationToken cancellation = default)
    {
        int s = engine.Signature.ResolveSize(size);
        return profiler.GetOrProbe(KeyFor(engine, s), engine.Signature, s, (batch, side) =>
        {
            // Twice: ORT plans one block for the whole run from the second run of a shape on (memory pattern), which
            // a single run does not show (H200: 805 MiB after one 256px run, 933 MiB from the second on).
            long plane = (long)side * side;
            var input = new float[batch * 3 * plane];
            var output = new float[batch * 2 * plane];
            engine.Session.Run(input, batch, side, side, output, cancellation, replayable: false);
            engine.Session.Run(input, batch, side, side, output, cancellation, replayable: false);
        }, capMiB);
    }
}
