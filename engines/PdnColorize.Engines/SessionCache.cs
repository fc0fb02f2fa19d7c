using System.Collections.Concurrent;

namespace PdnColorize.Engines;

/// <summary>
/// Keeps sessions alive for the life of the host process, one per (model content, provider), so a second
/// render or a second file in a batch does not pay for loading and optimising the graph again.
/// </summary>
public sealed class SessionCache : IDisposable
{
    public static SessionCache Shared { get; } = new();

    private readonly ConcurrentDictionary<string, Lazy<ChromaSession>> _sessions = new();

    public ChromaSession GetCpu(string modelPath)
    {
        string key = ModelFingerprint.Of(modelPath) + "|CPU";
        var lazy = _sessions.GetOrAdd(key, _ => new Lazy<ChromaSession>(() => ChromaSession.OpenCpu(modelPath)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _sessions.TryRemove(key, out _); // a failed load is not cached: the user may fix the file
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
