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

    public static string Compute(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
