using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.PaintDotNet.Hosting;

namespace PdnColorize.PaintDotNet.Tests;

public sealed class ChromaCacheTests
{
    private static PredictionKey Key(ulong fingerprint) =>
        new(new ModelKey("m", PrecisionChoice.Auto, DeviceChoice.Auto, DetailMode.Auto), new PixelRect(0, 0, 8, 8), fingerprint);

    private static ChromaField Field() => new(new PixelRect(0, 0, 8, 8), 1, 1, [1f], [2f], "test");

    [Fact]
    public async Task Concurrent_askers_share_one_run()
    {
        var cache = new ChromaCache();
        using var release = new ManualResetEventSlim();
        int runs = 0;
        var askers = Enumerable.Range(0, 6).Select(_ => Task.Run(() => cache.GetOrCompute(Key(1), () => _ =>
        {
            Interlocked.Increment(ref runs);
            release.Wait(TimeSpan.FromSeconds(10));
            return Field();
        }, CancellationToken.None))).ToArray();
        await Task.Delay(100);
        release.Set();
        var results = await Task.WhenAll(askers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Equal(1, cache.RunsStarted);
    }

    [Fact]
    public async Task A_waiter_that_leaves_within_the_grace_period_does_not_stop_the_run_for_the_next()
    {
        var cache = new ChromaCache(abandonGrace: TimeSpan.FromSeconds(5));
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var cancelled = false;
        Func<Func<CancellationToken, ChromaField>> prepare = () => token =>
        {
            started.Set();
            WaitHandle.WaitAny([release.WaitHandle, token.WaitHandle], TimeSpan.FromSeconds(10));
            cancelled = token.IsCancellationRequested;
            token.ThrowIfCancellationRequested();
            return Field();
        };

        using var first = new CancellationTokenSource();
        var leaving = Task.Run(() => cache.GetOrCompute(Key(2), prepare, first.Token));
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        first.Cancel(); // e.g. the strength slider moved: Paint.NET cancels this render and starts another
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);

        var next = Task.Run(() => cache.GetOrCompute(Key(2), prepare, CancellationToken.None));
        release.Set();
        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(cancelled);
        Assert.Equal(1, cache.RunsStarted);
    }

    [Fact]
    public void Failures_are_not_kept()
    {
        var cache = new ChromaCache();
        int runs = 0;
        Assert.Throws<InvalidOperationException>(() =>
            cache.GetOrCompute(Key(3), () => _ => { runs++; throw new InvalidOperationException("boom"); }, CancellationToken.None));
        SpinWait.SpinUntil(() => cache.Count == 0, TimeSpan.FromSeconds(5));
        Assert.NotNull(cache.GetOrCompute(Key(3), () => _ => { runs++; return Field(); }, CancellationToken.None));
        Assert.Equal(2, runs);
    }

    [Fact]
    public void Only_the_most_recent_answers_are_kept()
    {
        var cache = new ChromaCache(capacity: 2);
        for (ulong i = 10; i < 15; i++) cache.GetOrCompute(Key(i), () => _ => Field(), CancellationToken.None);
        Assert.Equal(2, cache.Count);
        int runs = cache.RunsStarted;
        cache.GetOrCompute(Key(14), () => _ => Field(), CancellationToken.None);
        Assert.Equal(runs, cache.RunsStarted);
    }
}
