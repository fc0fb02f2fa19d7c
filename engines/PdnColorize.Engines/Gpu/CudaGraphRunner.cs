using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PdnColorize.Engines.Gpu;

/// <summary>
/// Runs a session opened with the CUDA provider's <c>enable_cuda_graph=1</c>: ORT captures the whole graph on the first
/// run and replays it afterwards, which removes the per-node launch cost that dominates small batches (docs/performance.md). A
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

    public CudaGraphRunner(InferenceSession session, ModelSignature signature, int deviceId, long[] inputShape, long[] outputShape)
    {
        if (!CudaRuntime.Available) throw new InvalidOperationException("CUDA graphs need libcudart, which was not found");
        InputShape = inputShape;
        _memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.ArenaAllocator, deviceId, OrtMemType.Default);
        try
        {
            _allocator = new OrtAllocator(session, _memory);
            _input = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, inputShape);
            _output = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, outputShape);
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

    public void Run(InferenceSession session, RunOptions options, ReadOnlySpan<float> input, Span<float> output)
    {
        CudaRuntime.CopyToDevice(_inputPtr, input);
        CudaRuntime.Synchronize();
        session.RunWithBinding(options, _binding);
        CudaRuntime.Synchronize();
        CudaRuntime.CopyToHost(output, _outputPtr);
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
/// The CUDA graphs of one session, one per input shape (ORT's <c>gpu_graph_id</c>), each with its own bound device
/// buffers; shapes beyond <see cref="MaxGraphs"/> run without a graph (id -1) rather than fail.
/// </summary>
internal sealed class CudaGraphSet(InferenceSession session, ModelSignature signature, int deviceId) : IDisposable
{
    public const int MaxGraphs = 4;
    private readonly Dictionary<(int N, int H, int W), (CudaGraphRunner Runner, int Id)> _graphs = new();
    private readonly object _gate = new();

    /// <summary>Runs one shape through its graph; false when this shape gets no graph (the caller runs it plainly).</summary>
    public bool TryRun(RunOptions options, int batch, int height, int width, ReadOnlySpan<float> input, Span<float> output)
    {
        lock (_gate) // one replay at a time: a graph's buffers are shared state
        {
            var shape = (batch, height, width);
            if (!_graphs.TryGetValue(shape, out var graph))
            {
                if (_graphs.Count >= MaxGraphs) { options.AddRunConfigEntry("gpu_graph_id", "-1"); return false; }
                graph = (new CudaGraphRunner(session, signature, deviceId, [batch, 3, height, width], [batch, 2, height, width]), _graphs.Count);
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
