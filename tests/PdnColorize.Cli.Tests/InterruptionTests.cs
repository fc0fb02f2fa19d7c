using System.Diagnostics;
using System.Text;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>Ctrl+C (SIGINT) and SIGTERM end a run cleanly: exit 130, what was done, no temporary file left.</summary>
public sealed class InterruptionTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Starts the CLI, sends <paramref name="signal"/> once <paramref name="ready"/> holds for its output so far.</summary>
    private CliResult RunAndSignal(string signal, Func<string, bool> ready, TimeSpan latest, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            WorkingDirectory = _dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliProcess.Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PDNCOLORIZE_MODELS"] = fixture.UserModels;
        start.Environment["PDNCOLORIZE_CACHE"] = _dir.File("cache");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        var gotOutput = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
                if (ready(stdout.ToString())) gotOutput.Set();
            }
        };
        process.BeginOutputReadLine();
        gotOutput.Wait(latest);
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString()]) { UseShellExecute = false })!)
            kill.WaitForExit();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("no exit within 60 s of the signal");
        }
        process.WaitForExit();
        lock (stdout) return new CliResult(process.ExitCode, stdout.ToString(), stderr.Result, clock.Elapsed);
    }

    private string Photos(int count)
    {
        string dir = _dir.File("in");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < count; i++) ImageCodec.Save(TestImages.Gray(320, 240), Path.Combine(dir, $"p{i:D3}.png"));
        return dir;
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void A_signal_stops_a_batch_with_its_summary_exit_130_and_no_temporary_file(string signal)
    {
        if (OperatingSystem.IsWindows()) return;
        string input = Photos(60), output = _dir.File("out");
        // The embedded model at 256 px: about 0.1-0.2 s a photo here, so 60 photos are far from done after the first.
        var r = RunAndSignal(signal, text => text.Contains("[2/60] ok"), TimeSpan.FromSeconds(60), "batch", input, output, "--threads", "1");

        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Contains(signal == "INT" ? "interrupted" : "terminated", r.Stderr);
        Assert.Contains("not done (interrupted)", r.Stdout);
        Assert.Contains("cancelled after", r.Stdout);
        var saved = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
        Assert.All(saved, f => Assert.EndsWith(".png", f)); // no .tmp left
        Assert.InRange(saved.Count, 2, 59);
        Assert.Contains($"{saved.Count} saved in", r.Stdout);
        foreach (var f in saved) ImageCodec.Load(Path.Combine(output, f!)); // every one whole
    }

    [Fact]
    public void A_signal_during_the_model_run_of_colorize_ends_it_with_exit_130_and_nothing_written()
    {
        if (OperatingSystem.IsWindows()) return;
        string input = _dir.File("in.png"), output = _dir.File("out.png");
        ImageCodec.Save(TestImages.Gray(2048, 1536), input);
        // Size 1536 takes about 8 s here (--size is capped at the photo's larger side, so the photo is that large);
        // the signal comes after 3 s (nothing is printed before the end).
        var r = RunAndSignal("INT", _ => false, TimeSpan.FromSeconds(3), "colorize", input, "-o", output, "--size", "1536", "--detail", "global");
        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Contains("cancelled", r.Stderr);
        Assert.Equal(["in.png"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Stale_temporary_files_of_ours_are_removed_on_the_next_run_and_live_ones_kept()
    {
        string input = Photos(1), output = _dir.File("out");
        Directory.CreateDirectory(output);
        string stale = Path.Combine(output, ".p000.png.0123abcd.tmp");
        string fresh = Path.Combine(output, ".p001.png.89abcdef.tmp");
        string held = Path.Combine(output, ".p002.png.deadbeef.tmp");
        string notOurs = Path.Combine(output, ".notes.tmp");
        foreach (var f in new[] { stale, fresh, held, notOurs }) File.WriteAllBytes(f, []);
        foreach (var f in new[] { stale, held, notOurs }) File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddMinutes(-5));

        using (new FileStream(held, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) // as a live save holds it
        {
            var r = CliProcess.Run(_dir.Path, fixture.UserModels, "batch", input, output, "--model", fixture.Plumbing);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains(".p000.png.0123abcd.tmp", r.Stderr);
        }
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh), "a temporary file written a moment ago may belong to a running save");
        Assert.True(File.Exists(held), "a temporary file held open belongs to a running save");
        Assert.True(File.Exists(notOurs));
    }

    [Fact]
    public void An_output_name_of_255_bytes_can_be_saved()
    {
        string input = _dir.File("in.png");
        ImageCodec.Save(TestImages.Gray(32, 32), input);
        string output = _dir.File(new string('n', 251) + ".png");
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "colorize", input, "-o", output, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(output));
        Assert.DoesNotContain(Directory.GetFiles(_dir.Path), f => f.EndsWith(".tmp"));
    }
}
