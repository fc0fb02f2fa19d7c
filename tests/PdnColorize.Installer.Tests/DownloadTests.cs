using System.Diagnostics;
using PdnColorize.Installer.Downloads;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Installer.Tests;

public class DownloadTests
{
    private static readonly DownloadOptions Fast = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 4, StallTimeout = TimeSpan.FromSeconds(5),
    };

    private static Downloader NewDownloader(DownloadOptions? options = null) => new(World.LoopbackClient(), options ?? Fast);

    [Fact]
    public async Task Resumes_with_a_range_request_after_a_cut_connection()
    {
        var data = Bytes.Random(300_000, 1);
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
            await LoopbackServer.ServeRanged(r, s, data, cutAfter: n == 1 ? 120_000 : null)); // first answer stops short
        using var temp = new TempDir();
        string dest = temp.File("model.onnx");

        var result = await NewDownloader().DownloadAsync(server.Url(), dest, Bytes.Sha(data), data.Length, null, CancellationToken.None);

        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.True(result.Resumed);
        Assert.Equal(2, result.Attempts);
        var requests = server.Requests.ToArray();
        Assert.Null(requests[0].RangeStart);
        Assert.Equal(120_000, requests[1].RangeStart);
        Assert.Equal("\"v1\"", requests[1].Header("if-range")); // guarded: a changed file is sent whole, not spliced
        Assert.False(File.Exists(Downloader.PartPath(dest)));
    }

    [Fact]
    public async Task A_stalled_connection_is_dropped_and_resumed()
    {
        var data = Bytes.Random(50_000, 2);
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
        {
            await LoopbackServer.ServeRanged(r, s, data, cutAfter: n == 1 ? 10_000 : null);
            if (n == 1) await Task.Delay(Timeout.Infinite, ct); // keep the socket open, send nothing more
        });
        using var temp = new TempDir();
        string dest = temp.File("f.bin");

        var result = await NewDownloader(Fast with { StallTimeout = TimeSpan.FromMilliseconds(300) })
            .DownloadAsync(server.Url(), dest, Bytes.Sha(data), null, null, CancellationToken.None);

        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.Equal(10_000, server.Requests.ToArray()[1].RangeStart);
        Assert.True(result.Resumed);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_gets_the_file_restarted_not_spliced()
    {
        var data = Bytes.Random(40_000, 3);
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
        {
            await LoopbackServer.WriteHead(s, 200, "OK", data.Length); // never 206, no validators
            await s.WriteAsync(data.AsMemory(0, n == 1 ? 5_000 : data.Length), ct);
        });
        using var temp = new TempDir();
        string dest = temp.File("f.bin");

        await NewDownloader().DownloadAsync(server.Url(), dest, Bytes.Sha(data), null, null, CancellationToken.None);

        Assert.Equal(data, File.ReadAllBytes(dest));
    }

    [Fact]
    public async Task Wrong_hash_is_an_error_and_no_file_is_kept()
    {
        var data = Bytes.Random(20_000, 4);
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, data));
        using var temp = new TempDir();
        string dest = temp.File("model.onnx");

        var e = await Assert.ThrowsAsync<HashMismatchException>(() =>
            NewDownloader().DownloadAsync(server.Url(), dest, new string('0', 64), null, null, CancellationToken.None));

        Assert.Contains(Bytes.Sha(data), e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path)); // no file, no .part, no state
        Assert.Equal(ExitCodes.ModelProblem, ErrorReport.Classify(e).Code);
    }

    [Fact]
    public async Task Not_found_fails_at_once_without_retries()
    {
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.NotFound(s));
        using var temp = new TempDir();

        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            NewDownloader().DownloadAsync(server.Url(), temp.File("x.onnx"), null, null, null, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, e.Status);
        Assert.Contains("404", e.Message);
        Assert.Single(server.Requests);
        Assert.Empty(Directory.EnumerateFiles(temp.Path));
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_then_succeed()
    {
        var data = Bytes.Random(10_000, 5);
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
        {
            if (n <= 2) await LoopbackServer.WriteHead(s, 503, "Service Unavailable", 0);
            else await LoopbackServer.ServeRanged(r, s, data);
        });
        using var temp = new TempDir();
        var sw = Stopwatch.StartNew();

        var result = await NewDownloader().DownloadAsync(server.Url(), temp.File("f"), Bytes.Sha(data), null, null, CancellationToken.None);

        Assert.Equal(3, result.Attempts);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(55), "backoff 20 ms then 40 ms"); // 20 + 40 (+ jitter)
    }

    [Fact]
    public async Task Gives_up_after_the_last_attempt_and_keeps_the_part_for_later()
    {
        var data = Bytes.Random(30_000, 6);
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, data, cutAfter: 1_000));
        using var temp = new TempDir();
        string dest = temp.File("f");

        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            NewDownloader(Fast with { MaxAttempts = 3 }).DownloadAsync(server.Url(), dest, Bytes.Sha(data), null, null, CancellationToken.None));

        Assert.Contains("3 times", e.Message);
        Assert.Equal(3, server.Requests.Count);
        Assert.False(File.Exists(dest));
        Assert.Equal(3_000, new FileInfo(Downloader.PartPath(dest)).Length); // 1000 bytes per attempt, resumed each time
    }

    [Fact]
    public async Task Slow_server_can_be_cancelled_and_leaves_no_file_in_place()
    {
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
        {
            await LoopbackServer.WriteHead(s, 200, "OK", 1_000_000);
            for (int i = 0; i < 100; i++)
            {
                await s.WriteAsync(new byte[100], ct);
                await s.FlushAsync(ct);
                await Task.Delay(100, ct);
            }
        });
        using var temp = new TempDir();
        string dest = temp.File("big.onnx");
        // Cancelled once progress has been reported with bytes received (a fixed delay raced a loaded CI machine).
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a backstop only
        var progress = new List<long>();
        Stopwatch? sinceCancel = null;
        var report = new SyncProgress(p =>
        {
            progress.Add(p.Received);
            if (sinceCancel is null && progress.Count >= 2 && p.Received > 0)
            {
                sinceCancel = Stopwatch.StartNew();
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            NewDownloader().DownloadAsync(server.Url(), dest, null, null, report, cts.Token));

        Assert.NotNull(sinceCancel);
        Assert.True(sinceCancel!.Elapsed < TimeSpan.FromSeconds(3), $"cancel took {sinceCancel.Elapsed}");
        Assert.False(File.Exists(dest));
        Assert.Single(server.Requests); // no retry after a cancel
    }

    [Fact]
    public async Task An_existing_part_from_a_cancelled_run_is_resumed_by_the_next_run()
    {
        var data = Bytes.Random(60_000, 7);
        bool slow = true;
        await using var server = new LoopbackServer(async (r, s, n, ct) =>
        {
            if (!slow)
            {
                await LoopbackServer.ServeRanged(r, s, data);
                return;
            }
            await LoopbackServer.WriteHead(s, 200, "OK", data.Length, ("ETag", "\"v1\""));
            await s.WriteAsync(data.AsMemory(0, 20_000), ct);
            await s.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        using var temp = new TempDir();
        string dest = temp.File("m.onnx");
        using (var cts = new CancellationTokenSource())
        {
            var run = NewDownloader().DownloadAsync(server.Url(), dest, Bytes.Sha(data), null,
                new SyncProgress(p => { if (p.Received >= 20_000) cts.Cancel(); }), cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        Assert.Equal(20_000, new FileInfo(Downloader.PartPath(dest)).Length);

        slow = false;
        var result = await NewDownloader().DownloadAsync(server.Url(), dest, Bytes.Sha(data), null, null, CancellationToken.None);

        Assert.True(result.Resumed);
        Assert.Equal(20_000, server.Requests.ToArray()[^1].RangeStart);
        Assert.Equal(data, File.ReadAllBytes(dest));
    }

    [Fact]
    public void The_default_client_takes_its_proxy_from_the_environment()
    {
        // UseProxy with no explicit Proxy = HttpClient.DefaultProxy (HTTP(S)_PROXY / NO_PROXY, else the system settings).
        // The end-to-end check through the real program is ProxyTests.
        var field = typeof(HttpMessageInvoker).GetField("_handler", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        using var client = Downloader.CreateHttpClient();
        var handler = Assert.IsType<SocketsHttpHandler>(field!.GetValue(client));
        Assert.True(handler.UseProxy);
        Assert.Null(handler.Proxy);
        Assert.Equal(System.Net.DecompressionMethods.None, handler.AutomaticDecompression);
    }

    internal sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
