using PdnColorize.Engines.Gpu;

namespace PdnColorize.Core.Detail;

/// <summary>
/// The engines' VRAM planner as the detail pass's capacity: tiles of S (or 2S for a dynamic model when it fits: fewer
/// tiles and seams, more context) and the largest batch whose predicted peak (base + k * N * S^2) stays under
/// min(user cap, 0.8 x free). When not even one S tile fits, the detail pass stays global and says why.
/// </summary>
public sealed class VramDetailCapacity(MemoryModel memory, Func<double> freeMiB, double? userCapMiB = null, int maxBatch = 8) : IDetailCapacity
{
    private string _last = "GPU (VRAM planner)";

    public string Description => _last;

    public DetailCapacity? Plan(DetailCapacityRequest request)
    {
        int s = request.ModelSize;
        int[] sizes = request.DynamicSize ? [s, 2 * s] : [s];
        var plan = VramPlanner.Plan(memory, freeMiB(), userCapMiB, sizes, maxBatch);
        _last = $"GPU: {plan.Reason}";
        return plan.UseGpu ? new DetailCapacity(plan.Batch, plan.Size) : null;
    }
}
