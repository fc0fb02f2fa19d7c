using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines;

/// <summary>
/// One loaded colouriser: an ONNX Runtime session whose I/O has been checked against the contract.
/// Thread-safe for <see cref="Run"/> (ORT sessions are); dispose once, when the host is done with it.
/// </summary>
public sealed class ChromaSession : IDisposable
{
    private readonly InferenceSession _session;
    private Gpu.CudaGraphSet? _graphs;
    private int _disposed;

    private ChromaSession(InferenceSession session, ModelSignature signature, string modelPath, string provider)
    {
        _session = session;
        Signature = signature;
        ModelPath = modelPath;
        ExecutionProvider = provider;
    }

    public ModelSignature Signature { get; }
    public string ModelPath { get; }

    /// <summary>The execution provider that runs this ChromaSession, e.g. "CPU".</summary>
    public string ExecutionProvider { get; }

    /// <summary>The precision this ChromaSession computes in.</summary>
    public Precision Precision { get; private init; } = Precision.Fp32;

    public ProviderKind Provider { get; private init; } = ProviderKind.Cpu;

    private int DeviceId { get; init; }

    /// <summary>Why ORT refused CUDA graphs for this model (it then runs without them); null when they are on or not asked.</summary>
    public string? CudaGraphsRefused { get; private init; }

    /// <summary>True when this session replays CUDA graphs for shapes it has run before.</summary>
    public bool CudaGraphs => _graphs is not null;

    /// <summary>Captured graphs so far.</summary>
    public int CudaGraphCount => _graphs?.Count ?? 0;

    /// <summary>Host/device copy time over the graph runs so far, and their count (bench: what float32 I/O costs).</summary>
    public (TimeSpan Copy, int Runs) GraphTransfers => _graphs?.Transfers ?? default;

    /// <summary>
    /// GPU bytes the captured graphs hold in bound buffers between runs: the planner adds them to the memory model,
    /// which was probed on plain runs (counting the job's own shape too, a few MiB of caution).
    /// </summary>
    public long GraphBytesHeld => _graphs?.HeldBytes ?? 0;

    /// <summary>Test seam: an exception thrown instead of running (stands in for provider failures such as CUDA's out-of-memory).</summary>
    private Func<Exception?>? InjectedFault { get; init; }

    /// <summary>
    /// Test seam: a CPU session that reports <paramref name="labelAs"/>, fails whenever <paramref name="fault"/> says so
    /// and, with <paramref name="graphsRefused"/>, says ORT refused it CUDA graphs.
    /// </summary>
    internal static ChromaSession OpenFaulty(string modelPath, ProviderKind labelAs, Precision precision, Func<Exception?> fault,
        string? graphsRefused = null)
    {
        var real = OpenCpu(modelPath);
        return new ChromaSession(real._session, real.Signature, modelPath, labelAs.Label())
        {
            Provider = labelAs, Precision = precision, InjectedFault = fault, CudaGraphsRefused = graphsRefused,
        };
    }

    /// <summary>Opens a model on the CPU execution provider and validates its I/O.</summary>
    public static ChromaSession OpenCpu(string modelPath, int intraOpThreads = 0) =>
        Open(modelPath, ProviderKind.Cpu, new ProviderSettings(), intraOpThreads);

    /// <summary>
    /// Opens a model on one execution provider. Every object made here is disposed on failure; ORT's provider errors
    /// (missing libraries, no driver) surface as exceptions for the ladder to explain.
    /// </summary>
    public static ChromaSession Open(string modelPath, ProviderKind provider, ProviderSettings settings, int intraOpThreads = 0)
    {
        if (!File.Exists(modelPath))
            throw new ModelContractException($"Model file not found: {modelPath}");

        if (provider.IsGpu()) Gpu.GpuBaseline.RecordOnce(settings.DeviceId); // before the CUDA context exists
        bool graphs = provider == ProviderKind.Cuda && settings.CudaGraphs;
        string? graphsRefused = null;
        InferenceSession session;
        try
        {
            session = Create(modelPath, provider, settings, intraOpThreads);
        }
        catch (OnnxRuntimeException e) when (provider == ProviderKind.Cpu)
        {
            throw new ModelContractException($"ONNX Runtime could not load '{Path.GetFileName(modelPath)}': {FirstLine(e.Message)}", e);
        }
        catch (OnnxRuntimeException e) when (graphs)
        {
            // ORT refuses CUDA graphs for graphs it cannot capture whole (nodes left to the CPU, control flow): the
            // model still runs, without them. Another failure repeats below and surfaces as it is.
            graphsRefused = FirstLine(e.Message);
            graphs = false;
            settings = settings.WithoutCudaGraphs();
            session = Create(modelPath, provider, settings, intraOpThreads);
        }

        try
        {
            var signature = ModelContract.Validate(session.InputMetadata, session.OutputMetadata);
            return new ChromaSession(session, signature, modelPath, provider.Label())
            {
                Precision = settings.Precision,
                Provider = provider,
                DeviceId = settings.DeviceId,
                _graphs = graphs ? new Gpu.CudaGraphSet(session, signature, settings.DeviceId) : null,
                CudaGraphsRefused = graphsRefused,
            };
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static InferenceSession Create(string modelPath, ProviderKind provider, ProviderSettings settings, int intraOpThreads)
    {
        using var options = OrtSessionOptions.Create();
        options.IntraOpNumThreads = intraOpThreads;
        if (settings.ProfilePrefix is { } prefix)
        {
            options.ProfileOutputPathPrefix = prefix; // read when profiling is switched on, so first
            options.EnableProfiling = true;
        }
        ProviderConfigurator.Append(options, provider, settings, InputNameOf(modelPath));
        return new InferenceSession(modelPath, options);
    }

    /// <summary>
    /// The input name, needed before the session exists for TensorRT profiles: read from the file's declared inputs
    /// (cheap, weights are skipped), since contract models from other exporters name it otherwise ("gray", "x").
    /// An unreadable file falls back to "input" and lets ONNX Runtime report what is wrong with it.
    /// </summary>
    private static string InputNameOf(string modelPath)
    {
        try { return Descriptors.OnnxIo.Read(modelPath).Inputs is [var first, ..] ? first.Name : "input"; }
        catch (Exception) { return "input"; } // a name for TensorRT's profile must never be why a model fails to open
    }

    /// <summary>
    /// Runs the model on <paramref name="batch"/> gray images of <paramref name="height"/> x <paramref name="width"/>
    /// (NCHW, 3 channels) and writes NCHW ab (2 channels) into <paramref name="output"/>.
    /// Cancellation terminates the ORT run in flight. <paramref name="replayable"/> false keeps the run out of CUDA
    /// graphs (memory probes: a graph per probe shape would hold buffers no job uses).
    /// </summary>
    public void Run(float[] input, int batch, int height, int width, Span<float> output, CancellationToken cancellation = default,
        bool replayable = true)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Signature.FixedSize is { } s && (height != s || width != s))
            throw new ArgumentException($"this model runs at {s}x{s} only; asked for {width}x{height}");
        if (Signature.FixedBatch is { } n && batch != n)
            throw new ArgumentException($"this model takes a batch of {n} only; asked for {batch}");
        long plane = (long)height * width;
        if (input.Length != batch * 3 * plane)
            throw new ArgumentException($"input holds {input.Length} floats; {batch}x3x{height}x{width} needs {batch * 3 * plane}");
        if (output.Length != batch * 2 * plane)
            throw new ArgumentException($"output holds {output.Length} floats; {batch}x2x{height}x{width} needs {batch * 2 * plane}");
        cancellation.ThrowIfCancellationRequested();
        if (InjectedFault?.Invoke() is { } fault) throw fault;

        using var runOptions = new RunOptions();
        using var registration = cancellation.Register(() => runOptions.Terminate = true);
        try
        {
            if (replayable && _graphs?.TryRun(runOptions, batch, height, width, input, output) == true) return;
            PlainRun(runOptions);
            long[] shape = [batch, 3, height, width];
            if (Signature.HalfIo)
            {
                // Float16 I/O (models published so): the caller's float32 converted here, both ways.
                var half = new Float16[input.Length];
                TensorPrimitives.ConvertToHalf(input, MemoryMarshal.Cast<Float16, Half>(half.AsSpan()));
                using var halfValue = OrtValue.CreateTensorValueFromMemory(half, shape);
                using var halfResults = _session.Run(runOptions, new[] { Signature.InputName }, new[] { halfValue }, new[] { Signature.OutputName });
                var abHalf = halfResults[0].GetTensorDataAsSpan<Float16>();
                CheckLength(abHalf.Length, output.Length, batch, height, width);
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(abHalf), output);
                return;
            }
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var results = _session.Run(runOptions, new[] { Signature.InputName }, new[] { inputValue }, new[] { Signature.OutputName });
            var ab = results[0].GetTensorDataAsSpan<float>();
            CheckLength(ab.Length, output.Length, batch, height, width);
            ab.CopyTo(output);
        }
        catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellation);
        }
    }

    /// <summary>
    /// Gives the GPU arena's free regions back to the device: ORT shrinks arenas only at the end of a run that asks
    /// for it, so this runs the smallest input the model takes with that request. After an out-of-memory failure the
    /// arena can hold regions too fragmented for the next run; releasing them lets that run allocate afresh.
    /// </summary>
    public void ReleaseArena()
    {
        if (!Provider.IsGpu()) return;
        int side = Signature.FixedSize ?? 32, batch = Signature.FixedBatch ?? 1;
        long plane = (long)side * side;
        // A captured graph replays into arena addresses that shrinking could give back to the driver: after the first
        // capture the arena is left as it is (the session's graphs and buffers go when it closes).
        if (_graphs?.Count > 0) return;
        using var runOptions = new RunOptions();
        PlainRun(runOptions);
        runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", $"gpu:{DeviceId}");
        using var input = Signature.HalfIo
            ? OrtValue.CreateTensorValueFromMemory(new Float16[batch * 3 * plane], new long[] { batch, 3, side, side })
            : OrtValue.CreateTensorValueFromMemory(new float[batch * 3 * plane], new long[] { batch, 3, side, side });
        try
        {
            using var _ = _session.Run(runOptions, new[] { Signature.InputName }, new[] { input }, new[] { Signature.OutputName });
        }
        catch (OnnxRuntimeException)
        {
            // Nothing more to release: the caller's next step (a retry or the CPU) decides.
        }
    }

    private static void CheckLength(int got, int want, int batch, int height, int width)
    {
        if (got != want)
            throw new ModelContractException($"The model returned {got} values; expected {want} ([{batch},2,{height},{width}]).");
    }

    /// <summary>A run outside the graphs; on a graph-enabled session ORT would otherwise capture it as graph 0.</summary>
    private void PlainRun(RunOptions options)
    {
        if (_graphs is not null) options.AddRunConfigEntry("gpu_graph_id", "-1");
    }

    /// <summary>Ends ORT's profiling (sessions opened with a profile prefix) and returns the trace's path.</summary>
    public string? EndProfiling() => _session.EndProfiling();

    private static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return i < 0 ? s.Trim() : s[..i].Trim();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _graphs?.Dispose();
            _session.Dispose();
        }
    }
}
