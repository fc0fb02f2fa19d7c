using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PdnColorize.Engines;

/// <summary>SHA-256 of a model file, remembered per (path, length, write time) so it is hashed once per process.</summary>
public static class ModelFingerprint
{
    private static readonly ConcurrentDictionary<(string, long, DateTime), string> Known = new();

    public static string Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new ModelContractException($"Model file not found: {path}");
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        return Known.GetOrAdd(key, static k => Compute(k.Item1));
    }

    /// <summary>
    /// Records a hash established elsewhere for the file as it is now (<see cref="ModelVerifier"/>'s persistent verdict):
    /// the cache keys of the same process then reuse it instead of reading a large model again.
    /// </summary>
    internal static void Remember(FileInfo info, string sha256) =>
        Known[(info.FullName, info.Length, info.LastWriteTimeUtc)] = sha256.ToLowerInvariant();

    /// <summary>Whether the file as it is now has a hash in memory (tests).</summary>
    internal static bool IsKnown(string path)
    {
        var info = new FileInfo(path);
        return Known.ContainsKey((info.FullName, info.Length, info.LastWriteTimeUtc));
    }

    /// <summary>Drops what is remembered of <paramref name="path"/> (tests: a fresh process).</summary>
    internal static void Forget(string path)
    {
        foreach (var key in Known.Keys.Where(k => k.Item1 == Path.GetFullPath(path)).ToList()) Known.TryRemove(key, out _);
    }

    public static string Compute(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
