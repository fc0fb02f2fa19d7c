namespace PdnColorize.Core.Detail;

/// <summary>What the detail pass asks of the device before it tiles a region.</summary>
/// <param name="ModelSize">The model's size S (the global pass's size).</param>
/// <param name="DynamicSize">True when the model takes any multiple-of-32 size; a fixed model takes S x S only.</param>
/// <param name="GridWidth">The detail grid the tiles cover.</param>
/// <param name="GridHeight">The detail grid the tiles cover.</param>
public readonly record struct DetailCapacityRequest(int ModelSize, bool DynamicSize, int GridWidth, int GridHeight);

/// <summary>
/// What the device can run now: a tile side (the model's input side; for a dynamic model any multiple of 32) and the
/// most tiles per model call. <see cref="HostBudgetBytes"/> caps the pass's own host memory (grids and batch buffers);
/// null = a quarter of the memory the runtime says is available.
/// </summary>
public sealed record DetailCapacity(int MaxBatch, int TileSize, long? HostBudgetBytes = null)
{
    /// <summary>Auto tiles a region whose long side is at least this many model sizes (tiles cost more on slow devices).</summary>
    public double AutoMinRatio { get; init; } = DetailPlanner.AutoMinRatio;

    /// <summary>
    /// Run a short last batch padded to the full batch. On a GPU every change of input shape makes ONNX Runtime's CUDA
    /// convolutions set up again (H200, embedded model: 2.3 ms a run at one shape, 378 ms for a run right after another
    /// shape), while the extra tiles cost about a millisecond; on the CPU every tile is a full model run, so no padding.
    /// </summary>
    public bool PadLastBatch { get; init; }

    public void Validate()
    {
        if (!(AutoMinRatio >= DetailPlanner.AutoMinRatio))
            throw new ArgumentOutOfRangeException(nameof(AutoMinRatio), $"a device may raise Auto's threshold, not lower it below {DetailPlanner.AutoMinRatio}x; got {AutoMinRatio}");
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), $"a batch holds at least one tile; got {MaxBatch}");
        if (TileSize < 32) throw new ArgumentOutOfRangeException(nameof(TileSize), $"tiles are at least 32 cells; got {TileSize}");
    }
}

/// <summary>
/// The seam where a device planner plugs in (the engines' VRAM planner: peak = base + k * N * S^2 under a budget).
/// Returns null when the device cannot run tiles now; the pipeline then stays global and says why.
/// </summary>
public interface IDetailCapacity
{
    string Description { get; }

    DetailCapacity? Plan(DetailCapacityRequest request);
}

/// <summary>An <see cref="IDetailCapacity"/> from a delegate, for planners that are a function.</summary>
public sealed class DelegateDetailCapacity(string description, Func<DetailCapacityRequest, DetailCapacity?> plan) : IDetailCapacity
{
    public string Description { get; } = description;

    public DetailCapacity? Plan(DetailCapacityRequest request) => plan(request);
}

/// <summary>
/// The CPU default: tiles of the model's own size, 1-4 per call (half the cores, at least 1): ONNX Runtime already
/// spreads one call over the cores, so bigger batches buy little and cost memory. Auto tiles only from 6x the model
/// size on the CPU: a 256-px tile of the embedded model costs ~80 ms on 2 cores, so a 1 MP photo (5x) would go from
/// ~0.9 s to ~2.8 s, and with this model fine mode measured no more accurate than global (docs/quality.md).
/// </summary>
public sealed class CpuDetailCapacity : IDetailCapacity
{
    public const double CpuAutoMinRatio = 6.0;

    public static readonly CpuDetailCapacity Default = new();

    public string Description => "CPU (batch 1-4)";

    public DetailCapacity? Plan(DetailCapacityRequest request) =>
        new(Math.Clamp(Environment.ProcessorCount / 2, 1, 4), request.ModelSize) { AutoMinRatio = CpuAutoMinRatio };
}
