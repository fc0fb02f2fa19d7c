using PdnColorize.Core.Model;
using PdnColorize.PaintDotNet;
using PdnColorize.PaintDotNet.Hosting;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>A stand-in colouriser: ab from the gray input, counting runs; can block, fail or return NaN.</summary>
internal sealed class FakeModel : IChromaModel, IDisposable
{
    private int _calls, _disposals, _releases;
    public Func<float, (float A, float B)> Map { get; init; } = g => (40f, 30f - 20f * g);
    public Exception? Throw { get; init; }
    public bool BlockUntilCancelled { get; init; }
    public bool ReturnNaN { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    public ManualResetEventSlim Entered { get; } = new();
    public ManualResetEventSlim SawCancellation { get; } = new();

    public int Calls => Volatile.Read(ref _calls);
    /// <summary>How often a finished job gave its working memory back (<see cref="IChromaModel.ReleaseWorkingMemory"/>).</summary>
    public int Releases => Volatile.Read(ref _releases);
    public void ReleaseWorkingMemory() => Interlocked.Increment(ref _releases);
    /// <summary>How often the effect disposed it (it stays usable: several fake providers hand out one instance).</summary>
    public int Disposals => Volatile.Read(ref _disposals);
    public void Dispose() => Interlocked.Increment(ref _disposals);
    public string Description => "fake";
    /// <summary>64 px: Auto detail keeps the test images (about 2x this) to the global pass, one Predict call a run.</summary>
    public int PreferredSize { get; init; } = 64;
    public bool DynamicSize => true;

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
    {
        Interlocked.Increment(ref _calls);
        Entered.Set();
        if (BlockUntilCancelled)
        {
            cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(20));
            if (cancellation.IsCancellationRequested) SawCancellation.Set();
            cancellation.ThrowIfCancellationRequested();
        }
        if (Throw is not null) throw Throw;
        int plane = height * width;
        for (int i = 0; i < plane; i++)
        {
            var (a, b) = ReturnNaN ? (float.NaN, float.NaN) : Map(gray[i]);
            ab[i] = a;
            ab[plane + i] = b;
        }
    }
}

internal sealed class FakeModels(IChromaModel model, params ModelChoice[] choices) : IModelProvider
{
    public readonly List<(string Id, ExecutionPlan Plan)> Opened = new();
    public IReadOnlyList<ModelChoice> List() => choices.Length > 0 ? choices : [new ModelChoice("pdnc-resnet18-v2", "ResNet-18 v2 (built in)", true)];
    public IChromaModel Open(string modelId, ExecutionPlan plan, CancellationToken cancellation)
    {
        lock (Opened) Opened.Add((modelId, plan));
        return model;
    }
}

/// <summary>
/// A provider whose opening waits for <see cref="Gate"/>, as a first load or FP16 conversion takes seconds; like ONNX
/// Runtime it does not stop midway when cancelled, it only records the token it was given.
/// </summary>
internal sealed class GatedModels(Func<string, FakeModel> make, params ModelChoice[] choices) : IModelProvider
{
    public readonly List<(string Id, ExecutionPlan Plan, CancellationToken Token)> Opened = new();
    public ManualResetEventSlim Gate { get; } = new();
    public SemaphoreSlim Entered { get; } = new(0);
    public IReadOnlyList<ModelChoice> List() => choices;
    public IChromaModel Open(string modelId, ExecutionPlan plan, CancellationToken cancellation)
    {
        lock (Opened) Opened.Add((modelId, plan, cancellation));
        Entered.Release();
        Gate.Wait(TimeSpan.FromSeconds(20));
        return make(modelId);
    }
}

/// <summary>A usable GPU: Auto runs at FP16 there.</summary>
internal sealed class GpuAdvisor : IExecutionAdvisor
{
    public ExecutionPlan Plan(DeviceChoice device, PrecisionChoice precision) =>
        device == DeviceChoice.CPU ? new("CPU", PrecisionChoice.FP32, "CPU chosen")
            : new("CUDA", precision == PrecisionChoice.Auto ? PrecisionChoice.FP16 : precision, "");
}

internal sealed class FixedAdvisor(string line = "CPU, FP32 (no GPU here)") : IExecutionAdvisor
{
    public ExecutionPlan Plan(DeviceChoice device, PrecisionChoice precision) => new("CPU", PrecisionChoice.FP32, line);
}

internal static class TestEffects
{
    /// <summary>An effect over a fake model, with its own cache (no grace: cancellation is immediate).</summary>
    public static ColorizeEffect Create(IChromaModel model, out ChromaCache cache, IModelProvider? models = null)
    {
        cache = new ChromaCache(abandonGrace: TimeSpan.Zero);
        return new ColorizeEffect(new EffectServices(models ?? new FakeModels(model), new FixedAdvisor(), cache));
    }

    public static ColorizeEffect Create(IModelProvider models, ChromaCache cache, IExecutionAdvisor? advisor = null) =>
        new(new EffectServices(models, advisor ?? new FixedAdvisor(), cache));
}
