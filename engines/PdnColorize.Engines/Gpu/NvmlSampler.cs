using System.Diagnostics;

namespace PdnColorize.Engines.Gpu;

/// <summary>
/// Samples a GPU's used memory every 2 ms on a background thread and keeps the peak: the "NVML peak" of docs/performance.md
/// (whole-device used memory, so start it before the session is created to include the CUDA context).
/// </summary>
public sealed class NvmlSampler : IDisposable
{
    private readonly int _device;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak, _baseline;

    public NvmlSampler(int device = 0, int intervalMs = 2)
    {
        _device = device;
        _baseline = Nvml.TryQuery(device)?.UsedBytes ?? 0;
        _peak = _baseline;
        _thread = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            while (!_stop)
            {
                if (Nvml.TryQuery(_device) is { } info && info.UsedBytes > Interlocked.Read(ref _peak))
                    Interlocked.Exchange(ref _peak, info.UsedBytes);
                Thread.Sleep(intervalMs);
            }
        }) { IsBackground = true, Name = "nvml-sampler" };
        _thread.Start();
    }

    public bool Available => Nvml.Unavailable is null;

    /// <summary>Peak used memory minus the used memory when sampling started, in MiB.</summary>
    public double PeakDeltaMiB => (Interlocked.Read(ref _peak) - _baseline) / 1048576.0;

    /// <summary>The device's peak used memory in this window (absolute, every process), sampled once more now.</summary>
    public long PeakUsedBytes
    {
        get
        {
            if (Nvml.TryQuery(_device) is { } info && info.UsedBytes > Interlocked.Read(ref _peak))
                Interlocked.Exchange(ref _peak, info.UsedBytes);
            return Interlocked.Read(ref _peak);
        }
    }

    /// <summary>Starts a new measurement window from the current usage.</summary>
    public void Reset()
    {
        _baseline = Nvml.TryQuery(_device)?.UsedBytes ?? 0;
        Interlocked.Exchange(ref _peak, _baseline);
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
