using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace PdnColorize.Installer.Downloads;

/// <summary>How hard a download tries.</summary>
public sealed record DownloadOptions
{
    /// <summary>Attempts in all (the first one included) before a transient failure is reported.</summary>
    public int MaxAttempts { get; init; } = 6;
    /// <summary>Wait before the 2nd attempt; doubled for each later one (with up to 20% jitter), capped by <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A connection that delivers no byte for this long is dropped and resumed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

public readonly record struct DownloadProgress(long Received, long? Total, int Attempt);

public sealed record DownloadResult(string Path, long Size, string Sha256, int Attempts, bool Resumed);

/// <summary>A download that failed for good (HTTP 404, refused, or every retry used up). Exit code 1.</summary>
public sealed class DownloadException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>The file arrived but its SHA-256 is not the expected one; it was deleted. Exit code 3.</summary>
public sealed class HashMismatchException(string message) : Exception(message);

/// <summary>
/// Downloads one file with HttpClient: into <c>dest.part</c>, resuming with an HTTP Range request (guarded by If-Range
/// with the server's ETag or Last-Modified) after a cut connection, a stall or a cancelled run; retries transient
/// failures with exponential backoff; checks the SHA-256; and only then renames the file into place, so the
/// destination either does not exist or is complete and verified.
/// Proxy: the handler keeps UseProxy = true and Proxy = null, so HttpClient.DefaultProxy applies — HTTP_PROXY,
/// HTTPS_PROXY, ALL_PROXY and NO_PROXY from the environment, else (Windows) the user's system proxy settings.
/// </summary>
public sealed class Downloader(HttpClient http, DownloadOptions? options = null)
{
    private readonly DownloadOptions _options = options ?? new DownloadOptions();

    public static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = true, // Proxy stays null: HttpClient.DefaultProxy (environment, then system settings on Windows)
            AutomaticDecompression = DecompressionMethods.None, // byte ranges must count bytes of the file itself
            AllowAutoRedirect = true, // Hugging Face and nuget.org answer with redirects to their CDNs
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }; // stalls are caught per read instead
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("pdncolorize-setup",
            typeof(Downloader).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return client;
    }

    public static string PartPath(string destination) => destination + ".part";
    private static string StatePath(string destination) => destination + ".part.json";

    internal sealed record PartState(string Url, string? ETag, string? LastModified, long? Total);

    /// <param name="expectedSha256">Checked when given; a mismatch deletes the file and throws <see cref="HashMismatchException"/>.</param>
    public async Task<DownloadResult> DownloadAsync(Uri url, string destination, string? expectedSha256, long? expectedSize,
        IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        string part = PartPath(destination), statePath = StatePath(destination);
        var state = ReadState(statePath);
        if (state is not null && state.Url != url.ToString())
        {
            DeleteQuietly(part);
            state = null;
        }
        if (state is null && File.Exists(part) && !File.Exists(statePath)) DeleteQuietly(part); // orphan: origin unknown

        bool resumed = false;
        int attempt = 0;
        while (true)
        {
            attempt++;
            cancellation.ThrowIfCancellationRequested();
            try
            {
                var outcome = await AttemptAsync(url, part, statePath, state, expectedSize, attempt, progress, cancellation).ConfigureAwait(false);
                resumed |= outcome.Resumed;
                state = outcome.State;
                if (outcome.Complete) break;
                // the server refused the range (416) on a part of unknown completeness: start over right away
                continue;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw; // the part stays for the next run to resume
            }
            catch (Exception e) when (IsTransient(e) && attempt < _options.MaxAttempts)
            {
                state = ReadState(statePath) ?? state;
                await Task.Delay(Backoff(attempt), cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e))
            {
                throw new DownloadException(
                    $"download of {url} failed {attempt} times (last: {Describe(e)}). The part received so far was kept; " +
                    "run the same command again to resume.", null, e);
            }
        }

        long size = new FileInfo(part).Length;
        if (expectedSize is { } want && size != want)
        {
            DeleteQuietly(part);
            DeleteQuietly(statePath);
            throw new HashMismatchException($"{url} gave {size} bytes; the catalog says {want}. The file was deleted.");
        }
        string sha = await HashAsync(part, cancellation).ConfigureAwait(false);
        if (expectedSha256 is { Length: > 0 } && !string.Equals(sha, expectedSha256.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            DeleteQuietly(part);
            DeleteQuietly(statePath);
            throw new HashMismatchException(
                $"SHA-256 mismatch for {url}: expected {expectedSha256.Trim().ToLowerInvariant()}, got {sha}. The file was deleted; nothing was installed.");
        }
        File.Move(part, destination, overwrite: true);
        DeleteQuietly(statePath);
        return new DownloadResult(destination, size, sha, attempt, resumed);
    }

    private readonly record struct Outcome(bool Complete, bool Resumed, PartState? State);

    private async Task<Outcome> AttemptAsync(Uri url, string part, string statePath, PartState? state, long? expectedSize, int attempt,
        IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
            if (state?.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal))
                request.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(etag));
            else if (state?.LastModified is { } lm && DateTimeOffset.TryParse(lm, out var when))
                request.Headers.IfRange = new RangeConditionHeaderValue(when);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            long? total = response.Content.Headers.ContentRange?.Length ?? state?.Total ?? expectedSize;
            if (total == have) return new Outcome(true, true, state); // the part was already complete
            DeleteQuietly(part);
            return new Outcome(false, false, null);
        }
        if (!response.IsSuccessStatusCode)
        {
            int code = (int)response.StatusCode;
            string text = $"HTTP {code} {response.ReasonPhrase}";
            if (code is 408 or 425 or 429 || code >= 500) throw new TransientHttpException(text);
            string hint = code is 404 or 410 ? " (not found: the catalog entry's URL is out of date; check its page or set another URL in a user catalog)" : "";
            throw new DownloadException($"download of {url} failed: {text}{hint}.", response.StatusCode);
        }

        bool append = response.StatusCode == HttpStatusCode.PartialContent;
        if (append && response.Content.Headers.ContentRange is { } range && range.From != have)
            throw new TransientHttpException($"the server resumed at byte {range.From}, not {have}");
        if (!append) have = 0;

        long? totalSize = append
            ? response.Content.Headers.ContentRange?.Length
            : response.Content.Headers.ContentLength;
        if (!append || state is null)
        {
            state = new PartState(url.ToString(), response.Headers.ETag?.ToString(),
                response.Content.Headers.LastModified?.ToString("R"), totalSize);
            File.WriteAllText(statePath, JsonSerializer.Serialize(state, InstallerJson.Default.PartState));
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        await using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long received = have;
        progress?.Report(new DownloadProgress(received, totalSize ?? state.Total, attempt));
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        while (true)
        {
            stall.CancelAfter(_options.StallTimeout);
            int n;
            try
            {
                n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"no data for {_options.StallTimeout.TotalSeconds:F0} s");
            }
            if (n == 0) break;
            await file.WriteAsync(buffer.AsMemory(0, n), cancellation).ConfigureAwait(false);
            received += n;
            progress?.Report(new DownloadProgress(received, totalSize ?? state.Total, attempt));
        }
        await file.FlushAsync(cancellation).ConfigureAwait(false);
        long? expectedTotal = totalSize ?? state.Total;
        if (expectedTotal is { } t && received < t)
            throw new IOException($"the connection closed after {received} of {t} bytes");
        return new Outcome(true, append, state);
    }

    private sealed class TransientHttpException(string message) : Exception(message);

    private static bool IsTransient(Exception e) =>
        e is TransientHttpException or TimeoutException or IOException
        || (e is HttpRequestException h && h.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    private static string Describe(Exception e) => e.InnerException is { } inner && e is HttpRequestException
        ? $"{e.Message} ({inner.Message})"
        : e.Message;

    private TimeSpan Backoff(int attempt)
    {
        double ms = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        ms = Math.Min(ms, _options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (1 + Random.Shared.NextDouble() * 0.2));
    }

    private static PartState? ReadState(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), InstallerJson.Default.PartState) : null; }
        catch (JsonException) { return null; }
    }

    public static async Task<string> HashAsync(string path, CancellationToken cancellation)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation).ConfigureAwait(false));
    }

    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
