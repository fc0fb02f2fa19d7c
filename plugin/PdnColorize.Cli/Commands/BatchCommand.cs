using System.CommandLine;
using System.Globalization;
using PdnColorize.Imaging;
using Spectre.Console;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize batch &lt;in-dir&gt; &lt;out-dir&gt; [options]</c>: every image file of in-dir (not its sub-folders) to
/// <c>out-dir/&lt;stem&gt;.png</c>. Bad files are recorded and skipped. Exit 0 when every file succeeded, 1 when some
/// failed, 2 for bad arguments (missing in-dir, no images, in-dir = out-dir), 3 when the model fails (it would fail
/// for every file, so the batch stops).
/// </summary>
public static class BatchCommand
{
    public static Command Create()
    {
        var inDir = new Argument<string>("in-dir") { Description = "Folder of photos (PNG, JPEG, WebP, BMP); sub-folders are not read." };
        var outDir = new Argument<string>("out-dir") { Description = "Folder for the results, created when missing; each is <stem>.png." };
        var options = new PipelineOptions(selection: true);

        var command = new Command("batch",
            "Colourise every photo in a folder (not its sub-folders) into out-dir/<stem>.png, moving past bad files. " +
            "Exit 0: all ok; 1: some files failed (listed at the end); 2: bad arguments; 3: model problem.");
        command.Arguments.Add(inDir);
        command.Arguments.Add(outDir);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(parse.GetValue(inDir)!, parse.GetValue(outDir)!, new ColorizeJob(options.Read(parse)), cancellation));
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    private sealed record Outcome(string File, bool Ok, string Detail);

    /// <summary>Where a file's time went: the model part (planning, L* grids, inference, fusion) against decode, compose and save.</summary>
    private static string Timings(JobResult r)
    {
        static string Ms(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        var t = r.Timings;
        return $"{Ms(t.TotalMs)} ms: decode {Ms(t.DecodeMs)}, model {Ms(t.ModelMs)} (inference {Ms(r.Chroma.InferenceTime.TotalMilliseconds)}), " +
               $"compose {Ms(t.ComposeMs)}, save {Ms(t.SaveMs)}";
    }

    private static int Run(string inDir, string outDir, ColorizeJob job, CancellationToken cancellation)
    {
        if (!Directory.Exists(inDir)) throw new UsageException($"the input folder '{inDir}' does not exist.");
        string inFull = Path.GetFullPath(inDir), outFull = Path.GetFullPath(outDir);
        if (string.Equals(Path.TrimEndingDirectorySeparator(inFull), Path.TrimEndingDirectorySeparator(outFull), StringComparison.Ordinal))
            throw new UsageException("the output folder is the input folder; choose another one so no photo is overwritten.");
        if (File.Exists(outFull)) throw new UsageException($"the output folder '{outDir}' is a file.");

        var files = Directory.EnumerateFiles(inDir).Where(ImageCodec.IsInputExtension).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new UsageException($"no image files ({string.Join(", ", ImageCodec.InputExtensions)}) in '{inDir}'.");

        try { Directory.CreateDirectory(outFull); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"the output folder '{outDir}' cannot be created: {e.Message}");
        }

        _ = job.Model; // a missing or malformed model stops the batch before any file (exit 3)

        var outcomes = new List<Outcome>();
        var written = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bool plain = !ConsoleUi.Interactive;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        ConsoleUi.WithProgress($"Colourising {files.Count} photos", files.Count, advance =>
        {
            void Report(Outcome outcome)
            {
                outcomes.Add(outcome);
                if (plain) Console.WriteLine($"[{outcomes.Count}/{files.Count}] {(outcome.Ok ? "ok" : "FAILED")} {outcome.File}: {outcome.Detail}");
                advance($"{outcomes.Count}/{files.Count} {outcome.File}");
            }

            using var saves = new SaveBehind(cancellation);
            try
            {
                ColouriseAll(saves);
            }
            catch when (!cancellation.IsCancellationRequested)
            {
                // A model problem stops the batch (exit 3): the photos already coloured still get their lines.
                try { foreach (var savedEarlier in saves.FinishAll()) Report(savedEarlier); }
                catch (Exception) { } // the stopping error is the one to report
                throw;
            }

            void ColouriseAll(SaveBehind saves)
            {
                for (int i = 0; i < files.Count; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    string file = files[i];
                    string name = Path.GetFileName(file);
                    string target = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".png");
                    ColourisedImage? done = null;
                    Outcome? failure = null;
                    if (written.TryGetValue(target, out var earlier))
                    {
                        // Claimed when the earlier file was coloured (its save may still be running behind).
                        failure = new Outcome(name, false, $"skipped: {Path.GetFileName(target)} is already the output of {earlier}");
                    }
                    else
                    {
                        try
                        {
                            done = job.Colourise(file, target, cancellation);
                            written[target] = name;
                        }
                        catch (Exception e) when (ErrorReport.IsPerFile(e))
                        {
                            failure = new Outcome(name, false, ErrorReport.Classify(e).Message);
                        }
                    }
                    // Earlier photos' saves ran while this one was decoded and coloured; their lines come first.
                    if (done is null)
                    {
                        foreach (var earlierOutcome in saves.FinishAll()) Report(earlierOutcome);
                        Report(failure!);
                        continue;
                    }
                    foreach (var earlierOutcome in saves.MakeRoom(done.Bytes)) Report(earlierOutcome);
                    if (!saves.Start(done, name))
                        foreach (var savedNow in saves.FinishAll()) Report(savedNow); // saved here and now: its line too
                }
                foreach (var lastOutcome in saves.FinishAll()) Report(lastOutcome);
            }
        });

        int ok = outcomes.Count(o => o.Ok), failed = outcomes.Count - ok;
        var summary = new Table().Title("Batch summary").AddColumn("Result").AddColumn(new TableColumn("Files").RightAligned());
        summary.AddRow("[green]ok[/]", ok.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("[red]failed[/]", failed.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);
        if (failed > 0)
        {
            var reasons = new Table().Title("Failed files").AddColumn("File").AddColumn("Reason");
            foreach (var o in outcomes.Where(o => !o.Ok)) reasons.AddRow(ConsoleUi.Cell(o.File), ConsoleUi.Cell(o.Detail));
            AnsiConsole.Write(reasons);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ok} ok, {failed} failed in {wall.Elapsed.TotalSeconds:F1} s; results in {outDir} ({job.Model.Description})."));
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Other;
    }

    /// <summary>
    /// Keeps photos' saves running behind the next photos' decode, model and compose. Writing a 24 MP PNG took 1.2-2.0 s
    /// on the GPU machine, longer than the rest of a later photo (docs/performance.md), and it is one thread of work, so
    /// it overlaps well; with cores to spare several saves run at once (one per four cores, at most three). Finished
    /// images wait in memory only while all of them together stay below 1/32 of the free memory (so they and the next
    /// photo's pipeline fit); otherwise the oldest save is waited for first, and an image too large for that is saved
    /// before the next photo starts. Outcomes come out in file order. Disposing waits for every pending save (after a
    /// cancel each leaves no file: saves are atomic).
    /// </summary>
    private sealed class SaveBehind(CancellationToken cancellation) : IDisposable
    {
        private readonly Queue<(Task<JobResult> Save, string Name, long Bytes)> _pending = new();
        private readonly int _most = Math.Clamp(Environment.ProcessorCount / 4, 1, 3);

        private static long Budget => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 32;

        /// <summary>Waits for the oldest saves until one more of <paramref name="bytes"/> may be kept behind (or none is left).</summary>
        public IEnumerable<Outcome> MakeRoom(long bytes)
        {
            while (_pending.Count > 0 && (_pending.Count >= _most || _pending.Sum(p => p.Bytes) + bytes > Budget))
                yield return FinishOldest();
        }

        /// <summary>
        /// Starts the save: behind, when there is room (<see cref="MakeRoom"/> first), and true; else here and now, and
        /// false (its outcome then waits in the queue, after any older ones).
        /// </summary>
        public bool Start(ColourisedImage done, string name)
        {
            if (_pending.Count < _most && _pending.Sum(p => p.Bytes) + done.Bytes <= Budget)
            {
                _pending.Enqueue((Task.Run(() => ColorizeJob.Save(done, cancellation), CancellationToken.None), name, done.Bytes));
                return true;
            }
            Task<JobResult> now;
            try { now = Task.FromResult(ColorizeJob.Save(done, cancellation)); }
            catch (Exception e) { now = Task.FromException<JobResult>(e); }
            _pending.Enqueue((now, name, 0));
            return false;
        }

        /// <summary>Waits for every pending save, oldest first.</summary>
        public IEnumerable<Outcome> FinishAll()
        {
            while (_pending.Count > 0) yield return FinishOldest();
        }

        private Outcome FinishOldest()
        {
            var (task, name, _) = _pending.Dequeue();
            try
            {
                var result = task.GetAwaiter().GetResult();
                return new Outcome(name, true, $"{result.Width}x{result.Height} -> {result.Output} ({Timings(result)})");
            }
            catch (Exception e) when (ErrorReport.IsPerFile(e))
            {
                return new Outcome(name, false, ErrorReport.Classify(e).Message);
            }
        }

        /// <summary>On the way out (done, cancelled or failed) no save may still be writing.</summary>
        public void Dispose()
        {
            while (_pending.Count > 0)
            {
                try { _pending.Dequeue().Save.Wait(); } catch (AggregateException) { } // its outcome has no line to go to any more
            }
        }
    }
}
