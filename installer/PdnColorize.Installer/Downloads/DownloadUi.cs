using PdnColorize.Installer.Catalog;
using Spectre.Console;

namespace PdnColorize.Installer.Downloads;

/// <summary>Runs a download with a Spectre.Console progress bar on a terminal, or with a few plain lines elsewhere.</summary>
public static class DownloadUi
{
    public static async Task<DownloadResult> RunAsync(IAnsiConsole console, Downloader downloader, string label, Uri url, string destination,
        string? sha256, long? size, CancellationToken cancellation, bool crc32Follows = false)
    {
        console.MarkupLine($"Downloading [bold]{Markup.Escape(label)}[/] from {Markup.Escape(url.ToString())}");
        DownloadResult result;
        if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
        {
            result = await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                    new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(label), maxValue: size ?? 1);
                    if (size is null) task.IsIndeterminate = true;
                    var progress = new Progress<DownloadProgress>(p =>
                    {
                        if (p.Total is { } t && t > 0)
                        {
                            task.IsIndeterminate = false;
                            task.MaxValue = t;
                        }
                        task.Value = p.Received;
                        if (p.Attempt > 1) task.Description = $"{Markup.Escape(label)} (retry {p.Attempt - 1})";
                    });
                    var r = await downloader.DownloadAsync(url, destination, sha256, size, progress, cancellation).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                    return r;
                }).ConfigureAwait(false);
        }
        else
        {
            int lastQuarter = 0, lastAttempt = 1;
            var progress = new SyncProgress(p =>
            {
                if (p.Attempt != lastAttempt)
                {
                    lastAttempt = p.Attempt;
                    console.WriteLine($"  connection lost; attempt {p.Attempt}, resuming at {Units.Bytes(p.Received)}");
                }
                if (p.Total is not { } t || t <= 0) return;
                int quarter = (int)(p.Received * 4 / t);
                if (quarter > lastQuarter)
                {
                    lastQuarter = quarter;
                    console.WriteLine($"  {quarter * 25,3}%  {Units.Bytes(p.Received)} of {Units.Bytes(t)}");
                }
            });
            result = await downloader.DownloadAsync(url, destination, sha256, size, progress, cancellation).ConfigureAwait(false);
        }
        console.MarkupLine($"  [green]verified[/] {Units.Bytes(result.Size)}, sha256 {result.Sha256}" +
                           (sha256 is not null ? ""
                               : crc32Follows ? " (recorded; the publisher's CRC-32 is checked next)"
                               : " [yellow](no published hash to compare with: recorded only)[/]"));
        return result;
    }

    /// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool and reorders lines).</summary>
    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
