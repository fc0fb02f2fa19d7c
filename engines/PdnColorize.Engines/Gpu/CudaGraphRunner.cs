using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PdnColorize.Engines.Gpu;

/// <summary>
/// Runs a session opened with the CUDA provider's <c>enable_cuda_graph=1</c>: ORT captures the whole graph for this
/// shape (its first bound run of a graph id allocates, the next captures) and replays it afterwards, which removes the
/// per-node launch cost that dominates small batches (docs/performance.md). A
/// replay needs the same device addresses every time, so input and output live in device buffers bound once through
/// IOBinding; each run copies the host input in and the output back. One shape per runner (a new shape = a new graph).
/// </summary>
internal sealed class CudaGraphRunner : IDisposable
{
    private readonly OrtIoBinding _binding;
    private readonly OrtAllocator _allocator;
    private readonly OrtMemoryInfo _memory;
    private readonly OrtValue _input, _output;
    private readonly nint _inputPtr, _outputPtr;
    private readonly Half[]? _hostIn, _hostOut; // float16 I/O: the host-side staging of each run

    public CudaGraphRunner(InferenceSession session, ModelSignature signature, int deviceId, long[] inputShape, long[] outputShape)
    {
        if (!CudaRuntime.Available) throw new InvalidOperationException("CUDA graphs need libcudart, which was not found");
        InputShape = inputShape;
        _memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.ArenaAllocator, deviceId, OrtMemType.Default);
        try
        {
            _allocator = new OrtAllocator(session, _memory);
            var type = signature.HalfIo ? TensorElementType.Float16 : TensorElementType.Float;
            _input = OrtValue.CreateAllocatedTensorValue(_allocator, type, inputShape);
            _output = OrtValue.CreateAllocatedTensorValue(_allocator, type, outputShape);
            if (signature.HalfIo)
            {
                _hostIn = new Half[inputShape.Aggregate(1L, (a, d) => a * d)];
                _hostOut = new Half[outputShape.Aggregate(1L, (a, d) => a * d)];
            }
            _inputPtr = DevicePointer(_input);
            _outputPtr = DevicePointer(_output);
            _binding = session.CreateIoBinding();
            _binding.BindInput(signature.InputName, _input);
            _binding.BindOutput(signature.OutputName, _output);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long[] InputShape { get; }

    /// <summary>Time spent in the host/device copies of this runner's runs, with the float16 conversions where the I/O is half (bench reports it).</summary>
    public TimeSpan CopyTime { get; private set; }
    public int Runs { get; private set; }

    public void Run(InferenceSession session, RunOptions options, ReadOnlySpan<float> input, Span<float> output)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_hostIn is null) CudaRuntime.CopyToDevice(_inputPtr, input);
        else
        {
            TensorPrimitives.ConvertToHalf(input, _hostIn);
            CudaRuntime.CopyToDevice<Half>(_inputPtr, _hostIn);
        }
        CudaRuntime.Synchronize();
        var copyIn = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        session.RunWithBinding(options, _binding);
        CudaRuntime.Synchronize();
        start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_hostOut is null) CudaRuntime.CopyToHost(output, _outputPtr);
        else
        {
            CudaRuntime.CopyToHost<Half>(_hostOut, _outputPtr);
            TensorPrimitives.ConvertToSingle(_hostOut, output);
        }
        CopyTime += copyIn + System.Diagnostics.Stopwatch.GetElapsedTime(start);
        Runs++;
    }

    /// <summary>The device address of a device tensor (the span is never read on the host).</summary>
    private static unsafe nint DevicePointer(OrtValue value) =>
        (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableRawData()));

    public void Dispose()
    {
        _binding?.Dispose();
        _input?.Dispose();
        _output?.Dispose();
        _allocator?.Dispose();
        _memory?.Dispose();
    }
}

/// <summary>
/// Which shapes get a CUDA graph: a shape from its second run on (one job's tiles, the next photo of a batch and a
/// re-render repeat their shape, while a shape seen once, a lone global pass, would only pay the capture and keep its
/// buffers), up to <see cref="MaxGraphs"/> shapes a session; later shapes run without one rather than fail.
/// </summary>
internal sealed class GraphAdmission
{
    public const int MaxGraphs = 4;
    private readonly HashSet<(int N, int H, int W)> _seen = new();
    private int _admitted;

    /// <summary>The graph id for a shape not yet holding a graph, or null: run it plainly (first sight, or the cap).</summary>
    public int? Admit((int N, int H, int W) shape)
    {
        if (_seen.Add(shape) || _admitted >= MaxGraphs) return null;
        return _admitted++;
    }
}

/// <summary>
/// The CUDA graphs of one session, one per input shape (ORT's <c>gpu_graph_id</c>), each with its own bound device
/// buffers; <see cref="GraphAdmission"/> decides which shapes get one.
/// </summary>
internal sealed class CudaGraphSet(InferenceSession session, ModelSignature signature, int deviceId) : IDisposable
{
    private readonly Dictionary<(int N, int H, int W), (CudaGraphRunner Runner, int Id)> _graphs = new();
    private readonly GraphAdmission _admission = new();
    private readonly object _gate = new();

    /// <summary>Graphs captured so far (their buffers are held until the session closes).</summary>
    public int Count { get { lock (_gate) return _graphs.Count; } }

    /// <summary>Device bytes the graphs' bound buffers hold between runs.</summary>
    public long HeldBytes
    {
        get { lock (_gate) return _graphs.Keys.Sum(k => BufferBytes(k.N, k.H, k.W)); }
    }

    /// <summary>One graph's input (3 planes) and output (2 planes), float32 (half that for float16 I/O: an upper bound).</summary>
    public static long BufferBytes(int batch, int height, int width) => 5L * 4 * batch * height * width;

    /// <summary>Copy time and runs summed over every graph (bench's transfer figure).</summary>
    public (TimeSpan Copy, int Runs) Transfers
    {
        get { lock (_gate) return (new TimeSpan(_graphs.Values.Sum(g => g.Runner.CopyTime.Ticks)), _graphs.Values.Sum(g => g.Runner.Runs)); }
    }

    /// <summary>
    /// Runs one shape through its graph; false when this shape gets no graph (first sight, cap reached) and
    /// <paramref name="options"/> is left untouched for the caller's plain run.
    /// </summary>
    public bool TryRun(RunOptions options, int batch, int height, int width, ReadOnlySpan<float> input, Span<float> output)
    {
        lock (_gate) // one replay at a time: a graph's buffers are shared state
        {
            var shape = (batch, height, width);
            if (!_graphs.TryGetValue(shape, out var graph))
            {
                if (_admission.Admit(shape) is not { } id) return false;
                graph = (new CudaGraphRunner(session, signature, deviceId, [batch, 3, height, width], [batch, 2, height, width]), id);
                _graphs[shape] = graph;
            }
            options.AddRunConfigEntry("gpu_graph_id", graph.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            graph.Runner.Run(session, options, input, output);
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (runner, _) in _graphs.Values) runner.Dispose();
            _graphs.Clear();
        }
    }
}
