namespace PdnColorize.Engines.Gpu;

/// <summary>
/// GPU memory as this process sees it, for the memory model's probes and the planner's budget. NVML reports the whole
/// device, so "ours" is the device's used memory minus what was used before this process's first GPU session
/// (<see cref="GpuBaseline"/>); other processes that allocate meanwhile are counted as ours, which errs on the safe side.
/// </summary>
public interface IVramMeter
{
    /// <summary>Runs <paramref name="action"/> and returns the peak MiB this process held on the device meanwhile.</summary>
    double PeakMiBDuring(Action action);

    /// <summary>MiB this process may hold in all: free memory plus what it already holds.</summary>
    double AvailableMiB();
}

/// <summary>
/// Device used memory before this process created its first session on each GPU: the zero of every "our peak"
/// figure, so the CUDA context, library handles and weights count as the memory model's base, as the NVML peaks of docs/performance.md do.
/// </summary>
public static class GpuBaseline
{
    private static readonly Dictionary<int, long> UsedBefore = new();

    /// <summary>Records device <paramref name="device"/>'s used memory the first time it is called for that device.</summary>
    public static void RecordOnce(int device)
    {
        lock (UsedBefore)
            if (!UsedBefore.ContainsKey(device) && Nvml.TryQuery(device) is { } info)
                UsedBefore[device] = info.UsedBytes;
    }

    public static long? UsedBeforeBytes(int device)
    {
        lock (UsedBefore) return UsedBefore.TryGetValue(device, out long used) ? used : null;
    }
}

/// <summary>The NVML-backed meter: samples the device every 2 ms while the action runs.</summary>
public sealed class NvmlVramMeter(int device) : IVramMeter
{
    public double PeakMiBDuring(Action action)
    {
        long zero = GpuBaseline.UsedBeforeBytes(device) ?? Nvml.TryQuery(device)?.UsedBytes ?? 0;
        using var sampler = new NvmlSampler(device);
        action();
        return sampler.PeakUsedBytes / 1048576.0 - zero / 1048576.0;
    }

    public double AvailableMiB()
    {
        if (Nvml.TryQuery(device) is not { } info) return 0;
        long zero = GpuBaseline.UsedBeforeBytes(device) ?? info.UsedBytes;
        return (info.FreeBytes + Math.Max(0, info.UsedBytes - zero)) / 1048576.0;
    }
}
