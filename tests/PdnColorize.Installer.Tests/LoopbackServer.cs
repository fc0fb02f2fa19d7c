using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PdnColorize.Installer.Tests;

/// <summary>One HTTP request as the loopback server read it.</summary>
public sealed record HttpRequestLine(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    /// <summary>The start of a "Range: bytes=N-" header, or null.</summary>
    public long? RangeStart => Header("range") is { } r && r.StartsWith("bytes=", StringComparison.Ordinal) && r.EndsWith('-')
        ? long.Parse(r[6..^1])
        : null;
}

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (a raw TcpListener, so a test can cut a connection mid-body or stall it).
/// Each connection serves one request (Connection: close). The handler writes the raw response.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<HttpRequestLine, Stream, int, CancellationToken, Task> _handler;
    private readonly Task _loop;
    private int _count;

    public LoopbackServer(Func<HttpRequestLine, Stream, int, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public ConcurrentQueue<HttpRequestLine> Requests { get; } = new();
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Uri Url(string path = "/file.bin") => new($"http://127.0.0.1:{Port}{path}");

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var request = await ReadRequest(stream, _stop.Token);
                        if (request is null) return;
                        Requests.Enqueue(request);
                        int n = Interlocked.Increment(ref _count);
                        await _handler(request, stream, n, _stop.Token);
                        await stream.FlushAsync(_stop.Token);
                        client.Client.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception) { /* the client went away or the test cut the connection */ }
                }
            });
        }
    }

    private static async Task<HttpRequestLine?> ReadRequest(Stream stream, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n = await stream.ReadAsync(one, ct);
            if (n == 0) return null;
            bytes.Add(one[0]);
            int c = bytes.Count;
            if (c >= 4 && bytes[c - 4] == '\r' && bytes[c - 3] == '\n' && bytes[c - 2] == '\r' && bytes[c - 1] == '\n') break;
            if (c > 64 * 1024) return null;
        }
        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ');
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            int i = line.IndexOf(':');
            if (i > 0) headers[line[..i].Trim().ToLowerInvariant()] = line[(i + 1)..].Trim();
        }
        return new HttpRequestLine(parts[0], parts[1], headers);
    }

    // ---------------------------------------------------------------- response helpers

    public static async Task WriteHead(Stream s, int status, string reason, long? length, params (string, string)[] headers)
    {
        var sb = new StringBuilder($"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
        if (length is { } l) sb.Append($"Content-Length: {l}\r\n");
        foreach (var (k, v) in headers) sb.Append($"{k}: {v}\r\n");
        sb.Append("\r\n");
        await s.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    /// <summary>Serves <paramref name="data"/> honouring "Range: bytes=N-" (206) with an ETag.</summary>
    public static async Task ServeRanged(HttpRequestLine r, Stream s, byte[] data, int? cutAfter = null)
    {
        long start = r.RangeStart ?? 0;
        if (start > 0)
            await WriteHead(s, 206, "Partial Content", data.Length - start, ("Content-Range", $"bytes {start}-{data.Length - 1}/{data.Length}"), ("ETag", "\"v1\""), ("Accept-Ranges", "bytes"));
        else
            await WriteHead(s, 200, "OK", data.Length, ("ETag", "\"v1\""), ("Accept-Ranges", "bytes"));
        int count = (int)(data.Length - start);
        if (cutAfter is { } cut) count = Math.Min(count, cut);
        await s.WriteAsync(data.AsMemory((int)start, count));
    }

    public static Task NotFound(Stream s) => WriteHead(s, 404, "Not Found", 0);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch { }
        _stop.Dispose();
    }
}
