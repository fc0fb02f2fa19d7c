using PdnColorize.Engines.Caching;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class CacheTests
{
    private static CacheKey Key(string sha = "abc", string precision = "fp16", string cc = "9.0") =>
        new(sha, "model", precision, "fp16-1", "1.31.0", "10", cc);

    [Fact]
    public void Keys_change_with_weights_precision_versions_and_gpu()
    {
        var keys = new[]
        {
            Key(), Key(sha: "abd"), Key(precision: "int8"), Key(cc: "8.6"),
            Key() with { OrtVersion = "1.32.0" }, Key() with { ConverterVersion = "fp16-2" }, Key() with { TensorRtVersion = "11" },
        };
        Assert.Equal(keys.Length, keys.Select(k => k.Digest).Distinct().Count());
        Assert.Equal(Key().Digest, Key().Digest);
        Assert.Matches("^model-fp16-[0-9a-f]{24}$", Key().FolderName);
    }

    [Fact]
    public void Entries_are_built_once_and_reused()
    {
        using var dir = new TempDir();
        var store = new CacheStore(dir.Path);
        int builds = 0;
        string a = store.GetOrBuild(Key(), "x.bin", p => { builds++; File.WriteAllText(p, "payload"); });
        string b = store.GetOrBuild(Key(), "x.bin", p => { builds++; File.WriteAllText(p, "other"); });
        Assert.Equal(a, b);
        Assert.Equal(1, builds);
        Assert.Equal("payload", File.ReadAllText(a));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(a)!, "*.tmp"));
    }

    [Fact]
    public void A_corrupt_entry_is_deleted_and_rebuilt_with_a_message()
    {
        using var dir = new TempDir();
        var messages = new List<string>();
        var store = new CacheStore(dir.Path, messages.Add);
        string path = store.GetOrBuild(Key(), "x.bin", p => File.WriteAllText(p, "good"));
        File.WriteAllText(path, "tampered");
        string again = store.GetOrBuild(Key(), "x.bin", p => File.WriteAllText(p, "rebuilt"));
        Assert.Equal("rebuilt", File.ReadAllText(again));
        Assert.Contains(messages, m => m.Contains("corrupt"));
        File.Delete(again + ".sha256"); // a missing sidecar counts as corrupt too
        Assert.Equal("third", File.ReadAllText(store.GetOrBuild(Key(), "x.bin", p => File.WriteAllText(p, "third"))));
    }

    [Fact]
    public void A_failed_build_leaves_no_entry_and_no_temp_file()
    {
        using var dir = new TempDir();
        var store = new CacheStore(dir.Path);
        Assert.Throws<InvalidOperationException>(() => store.GetOrBuild(Key(), "x.bin", p =>
        {
            File.WriteAllText(p, "half");
            throw new InvalidOperationException("interrupted");
        }));
        string folder = store.Folder(Key());
        Assert.DoesNotContain(Directory.GetFiles(folder), f => !f.EndsWith(".lock"));
    }

    [Fact]
    public void Concurrent_builders_do_not_corrupt_each_other()
    {
        using var dir = new TempDir();
        int builds = 0;
        var paths = new string[6];
        Parallel.For(0, paths.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
        {
            // A separate store object per worker, like separate processes sharing the folder.
            var store = new CacheStore(dir.Path);
            paths[i] = store.GetOrBuild(Key(), "x.bin", p =>
            {
                Interlocked.Increment(ref builds);
                Thread.Sleep(100);
                File.WriteAllBytes(p, Enumerable.Range(0, 100_000).Select(v => (byte)v).ToArray());
            });
        });
        Assert.Equal(1, builds);
        Assert.Single(paths.Distinct());
        Assert.True(CacheStore.IsIntact(paths[0]));
    }

    [Fact]
    public void Waiting_for_a_lock_held_elsewhere_is_said_once()
    {
        using var dir = new TempDir();
        var messages = new System.Collections.Concurrent.ConcurrentBag<string>();
        var store = new CacheStore(dir.Path, messages.Add);
        string lockFile = Path.Combine(store.Folder(Key()), "x.bin.lock");
        var held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var release = Task.Run(async () => { await Task.Delay(400); held.Dispose(); });
        string path = store.GetOrBuild(Key(), "x.bin", p => File.WriteAllText(p, "payload"));
        release.Wait();
        Assert.Equal("payload", File.ReadAllText(path));
        Assert.Single(messages, m => m.Contains("waiting for another PdnColorize process"));
    }
}
