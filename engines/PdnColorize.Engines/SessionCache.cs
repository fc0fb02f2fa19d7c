using System.Collections.Concurrent;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines;

/// <summary>
/// Keeps sessions alive for the life of the host process, one per (model content, provider, precision, device,
/// memory cap), so a second render or the next file of a batch does not pay for loading and optimising again.
/// </summary>
public sealed class SessionCache : IDisposable
{
    public static SessionCache Shared { get; } = new();

    private readonly ConcurrentDictionary<string, Lazy<ChromaSession>> _sessions = new();

    public ChromaSession GetCpu(string modelPath) => Get(modelPath, ProviderKind.Cpu, new ProviderSettings());

    public ChromaSession Get(string modelPath, ProviderKind provider, ProviderSettings settings)
    {
        string key = string.Join("|", ModelFingerprint.Of(modelPath), provider, settings.Precision, settings.DeviceId,
            settings.GpuMemLimitBytes, string.Join(",", settings.CudaOverrides.Select(kv => kv.Key + "=" + kv.Value)), settings.ProfilePrefix);
        var lazy = _sessions.GetOrAdd(key, _ => new Lazy<ChromaSession>(() => ChromaSession.Open(modelPath, provider, settings)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _sessions.TryRemove(key, out _); // a failed load is not cached: the user may fix the file or driver
            throw;
        }
    }

    public int Count => _sessions.Count;

    public void Dispose()
    {
        foreach (var lazy in _sessions.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _sessions.Clear();
    }
}
