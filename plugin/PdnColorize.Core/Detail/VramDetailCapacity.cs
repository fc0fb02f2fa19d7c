using System.Globalization;
using PdnColorize.Engines.Gpu;

namespace PdnColorize.Core.Detail;

/// <summary>
/// The engines' VRAM planner as the detail pass's capacity: tiles of S (or 2S for a dynamic model when it fits: fewer
/// tiles and seams, more context) and the largest batch whose predicted peak (base + k * N * S^2) stays under
/// min(user cap, 0.8 x what the process may hold). When not even one S tile fits, the detail pass stays global and
/// says why. The memory model is asked for lazily (it may cost two probe runs), only when a region is to be tiled.
/// </summary>
/// <param name="memoryFor">The memory model for tiles of a given model size S (probed or cached).</param>
/// <param name="availableMiB">MiB the process may hold on the GPU in all (free + already ours).</param>
public sealed class VramDetailCapacity(Func<int, MemoryModel> memoryFor, Func<double> availableMiB, double? userCapMiB = null, int maxBatch = 8)
    : IDetailCapacity
{
    private string _last = "GPU (VRAM planner)";

    public VramDetailCapacity(MemoryModel memory, Func<double> freeMiB, double? userCapMiB = null, int maxBatch = 8)
        : this(_ => memory, freeMiB, userCapMiB, maxBatch) { }

    public string Description => _last;

    public DetailCapacity? Plan(DetailCapacityRequest request)
    {
        int s = request.ModelSize;
        int[] sizes = request.DynamicSize ? [s, 2 * s] : [s];
        var plan = VramPlanner.Plan(memoryFor(s), availableMiB(), userCapMiB, sizes, maxBatch);
        _last = plan.UseGpu
            ? $"GPU: {plan.Reason}"
            : string.Create(CultureInfo.InvariantCulture, $"the GPU ({plan.PredictedMiB:F0} MiB needed for one {plan.Size}px tile, budget {plan.BudgetMiB:F0} MiB)");
        return plan.UseGpu ? new DetailCapacity(plan.Batch, plan.Size) { PadLastBatch = true } : null;
    }
}
