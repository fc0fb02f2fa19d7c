using System.Security.Cryptography;

namespace PdnColorize.Engines.Caching;

/// <summary>
/// Derived artefacts under the user's local app data (or <c>PDNCOLORIZE_CACHE</c>). Entries are built into a temp
/// file and renamed into place, guarded by a lock file so two processes never write the same entry; each file has a
/// <c>.sha256</c> sidecar, and an entry whose bytes no longer match is deleted and rebuilt with a message.
/// </summary>
public sealed class CacheStore
{
    private readonly Action<string> _log;

    public CacheStore(string root, Action<string>? log = null)
    {
        Root = root;
        _log = log ?? (_ => { });
    }

    public string Root { get; }

    public static string DefaultRoot() =>
        Environment.GetEnvironmentVariable("PDNCOLORIZE_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "PdnColorize", "cache");

    public static CacheStore Default(Action<string>? log = null) => new(DefaultRoot(), log);

    /// <summary>The folder of an entry (created).</summary>
    public string Folder(CacheKey key)
    {
        string dir = Path.Combine(Root, key.FolderName);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Returns the path of <paramref name="fileName"/> in the entry, building it with <paramref name="build"/>
    /// (which writes to the path it is given) when absent or corrupt.
    /// </summary>
    public string GetOrBuild(CacheKey key, string fileName, Action<string> build, TimeSpan? lockTimeout = null)
    {
        string dir = Folder(key);
        string final = Path.Combine(dir, fileName);
        using var _ = AcquireLock(Path.Combine(dir, fileName + ".lock"), lockTimeout ?? TimeSpan.FromMinutes(10),
            () => _log($"waiting for another PdnColorize process that is building the cache entry {key.FolderName}/{fileName}..."));

        if (File.Exists(final))
        {
            if (IsIntact(final)) return final;
            _log($"cache entry {key.FolderName}/{fileName} is corrupt; rebuilding it");
            File.Delete(final);
            File.Delete(final + ".sha256");
        }

        string temp = Path.Combine(dir, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            build(temp);
            if (!File.Exists(temp)) throw new InvalidOperationException($"building {fileName} produced no file");
            File.WriteAllText(temp + ".sha256", Hash(temp));
            File.Move(temp + ".sha256", final + ".sha256", overwrite: true);
            File.Move(temp, final, overwrite: true);
            return final;
        }
        finally
        {
            TryDelete(temp);
            TryDelete(temp + ".sha256");
        }
    }

    /// <summary>True when the file's bytes match its sidecar hash.</summary>
    public static bool IsIntact(string path)
    {
        string sidecar = path + ".sha256";
        if (!File.Exists(sidecar)) return false;
        try
        {
            return string.Equals(File.ReadAllText(sidecar).Trim(), Hash(path), StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Writes the <c>.sha256</c> sidecar of a file made outside <see cref="GetOrBuild"/> (a calibration), so it is checked before use too.</summary>
    public static void WriteChecksum(string path) => File.WriteAllText(path + ".sha256", Hash(path));

    /// <summary>False only when the file has a sidecar and its bytes no longer match it (a file without one cannot be judged).</summary>
    public static bool IsIntactOrUnchecked(string path) => !File.Exists(path + ".sha256") || IsIntact(path);

    /// <summary>Deletes every entry (tests and tools; the installer's `uninstall --purge` removes the whole data folder).</summary>
    public void Clear()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>An exclusive lock file; other processes wait for it (polling, since file locks are not awaitable).</summary>
    /// <param name="waiting">Called once when the lock is held by someone else, so a wait is never silent.</param>
    private static FileStream AcquireLock(string path, TimeSpan timeout, Action? waiting = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        bool said = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None); // the lock file stays: deleting it would let a late opener lock a dead inode
            }
            catch (IOException e) when (DateTime.UtcNow < deadline && !Directory.Exists(path) && e is not DirectoryNotFoundException)
            {
                if (!said) waiting?.Invoke();
                said = true;
                Thread.Sleep(50);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
