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
        var inDir = new Argument<string>("in-dir") { Description = "Folder of photos (PNG, JPEG, WebP, BMP, TIFF); sub-folders are not read." };
        var outDir = new Argument<string>("out-dir") { Description = "Folder for the results, created when missing; each is <stem>.png." };
        var options = new PipelineOptions(selection: true);

        var command = new Command("batch",
            "Colourise every photo in a folder (not its sub-folders) into out-dir/<stem>.png, moving past bad files. " +
            "Exit 0: all ok; 1: some files failed (listed at the end); 2: bad arguments; 3: model problem.");
        command.Arguments.Add(inDir);
        command.Arguments.Add(outDir);
        var skipExisting = new Option<bool>("--skip-existing")
        {
            Description = "Leave photos whose out-dir/<stem>.png already exists (resume an interrupted batch).",
        };
        var force = new Option<bool>("--force") { Description = "Colourise photos that are already in colour too (by default they are skipped)." };
        command.Options.Add(skipExisting);
        command.Options.Add(force);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(parse.GetValue(inDir)!, parse.GetValue(outDir)!,
                    new ColorizeJob(options.Read(parse)) { RefuseColourPhotos = !parse.GetValue(force) },
                    parse.GetValue(skipExisting), cancellation));
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    /// <param name="Cancelled">Coloured but not saved because the batch was interrupted (not a failure of the file).</param>
    /// <param name="DiskFull">Its save ran out of disk space: the batch stops, since every later file would too.</param>
    /// <param name="Skipped">Its output was there already (--skip-existing): ok, not coloured again.</param>
    /// <param name="InColour">Already in colour and left alone (no --force): neither done nor failed.</param>
    private sealed record Outcome(string File, bool Ok, string Detail, bool Cancelled = false, bool DiskFull = false, bool Skipped = false,
        bool InColour = false);

    /// <summary>Where a file's time went: the model part (planning, L* grids, inference, fusion) against decode, compose and save.</summary>
    private static string Timings(JobResult r)
    {
        static string Ms(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        var t = r.Timings;
        return $"{Ms(t.TotalMs)} ms: decode {Ms(t.DecodeMs)}, model {Ms(t.ModelMs)} (inference {Ms(r.Chroma.InferenceTime.TotalMilliseconds)}), " +
               $"compose {Ms(t.ComposeMs)}, save {Ms(t.SaveMs)}";
    }

    private static int Run(string inDir, string outDir, ColorizeJob job, bool skipExisting, CancellationToken cancellation)
    {
        if (File.Exists(inDir)) throw new UsageException($"'{inDir}' is a file; batch takes a folder of photos (colorize takes one photo).");
        if (!Directory.Exists(inDir)) throw new UsageException($"the input folder '{inDir}' does not exist.");
        string inFull = Path.GetFullPath(inDir), outFull = Path.GetFullPath(outDir);
        if (string.Equals(Path.TrimEndingDirectorySeparator(inFull), Path.TrimEndingDirectorySeparator(outFull), StringComparison.Ordinal))
            throw new UsageException("the output folder is the input folder; choose another one so no photo is overwritten.");
        if (File.Exists(outFull)) throw new UsageException($"the output folder '{outDir}' is a file.");

        var all = Directory.EnumerateFiles(inDir).Order(StringComparer.Ordinal).ToList();
        var files = all.Where(ImageCodec.IsInputExtension).ToList();
        if (files.Count == 0)
            throw new UsageException($"no image files ({string.Join(", ", ImageCodec.InputExtensions)}) in '{inDir}'.");
        var unread = all.Where(f => !ImageCodec.IsInputExtension(f)).Select(Path.GetFileName).ToList();
        if (unread.Count > 0)
            Console.WriteLine($"not read ({unread.Count}, not {string.Join("/", ImageCodec.InputExtensions)}): {string.Join(", ", unread.Take(20))}{(unread.Count > 20 ? ", ..." : "")}");

        try { Directory.CreateDirectory(outFull); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"the output folder '{outDir}' cannot be created: {e.Message}");
        }

        foreach (string stale in TempFiles.RemoveStale(outFull))
            Console.Error.WriteLine($"pdncolorize: removed {stale} from {outDir}, left there by a save that was interrupted");

        _ = job.Model; // a missing or malformed model stops the batch before any file (exit 3)

        var outcomes = new List<Outcome>();
        bool cancelled = false, diskFull = false;
        // Two inputs whose outputs differ only in case are one file where the file system ignores case (Windows, macOS).
        var written = new Dictionary<string, string>(OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        bool plain = !ConsoleUi.Interactive;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        ConsoleUi.WithProgress($"Colourising {files.Count} photos", files.Count, advance =>
        {
            void Report(Outcome outcome)
            {
                outcomes.Add(outcome);
                if (outcome.DiskFull) diskFull = true;
                if (plain) Console.WriteLine($"[{outcomes.Count}/{files.Count}] {(outcome.Ok ? "ok" : outcome.InColour ? "skipped" : "FAILED")} {outcome.File}: {outcome.Detail}");
                advance($"{outcomes.Count}/{files.Count} {outcome.File}");
            }

            using var saves = new SaveBehind(cancellation);
            try
            {
                ColouriseAll(saves);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: the saves already finished keep their lines; those cut short left no file.
                cancelled = true;
                foreach (var savedEarlier in saves.FinishAll()) Report(savedEarlier);
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
                for (int i = 0; i < files.Count && !diskFull; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    string file = files[i];
                    string name = Path.GetFileName(file);
                    string target = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".png");
                    ColourisedImage? done = null;
                    Outcome? failure = null;
                    if (skipExisting && File.Exists(target) && new FileInfo(target).Length > 0)
                    {
                        // Saves are atomic: a file under its final name is whole.
                        written[target] = name;
                        foreach (var earlierOutcome in saves.FinishAll()) Report(earlierOutcome);
                        Report(new Outcome(name, true, $"skipped: {target} exists (--skip-existing)", Skipped: true));
                        continue;
                    }
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
                        catch (AlreadyInColourException e)
                        {
                            failure = new Outcome(name, false, e.Message, InColour: true);
                        }
                        catch (Exception e) when (ErrorReport.IsPerFile(e))
                        {
                            failure = new Outcome(name, false, ErrorReport.Classify(e).Message, DiskFull: e is DiskFullException);
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
                    if (diskFull) break; // an earlier save found the disk full: this one would fail too
                    if (!saves.Start(done, name))
                        foreach (var savedNow in saves.FinishAll()) Report(savedNow); // saved here and now: its line too
                }
                foreach (var lastOutcome in saves.FinishAll()) Report(lastOutcome);
            }
        });

        int ok = outcomes.Count(o => o.Ok), failed = outcomes.Count(o => !o.Ok && !o.Cancelled && !o.InColour),
            inColour = outcomes.Count(o => o.InColour), notDone = files.Count - ok - failed - inColour;
        var summary = new Table().Title("Batch summary").AddColumn("Result").AddColumn(new TableColumn("Files").RightAligned());
        summary.AddRow("[green]ok[/]", ok.ToString(CultureInfo.InvariantCulture));
        int skipped = outcomes.Count(o => o.Skipped);
        if (skipped > 0) summary.AddRow("[green]of which already there[/]", skipped.ToString(CultureInfo.InvariantCulture));
        if (inColour > 0) summary.AddRow("[yellow]skipped: already in colour (--force)[/]", inColour.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("[red]failed[/]", failed.ToString(CultureInfo.InvariantCulture));
        if (cancelled || diskFull)
            summary.AddRow(cancelled ? "[yellow]not done (interrupted)[/]" : "[yellow]not done (disk full)[/]", notDone.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(summary);
        if (failed > 0)
        {
            var reasons = new Table().Title("Failed files").AddColumn("File").AddColumn("Reason");
            foreach (var o in outcomes.Where(o => !o.Ok && !o.Cancelled && !o.InColour)) reasons.AddRow(ConsoleUi.Cell(o.File), ConsoleUi.Cell(o.Detail));
            AnsiConsole.Write(reasons);
        }
        if (diskFull && !cancelled)
        {
            Console.WriteLine($"stopped: no space left on the disk of {outDir}. {ok} saved, {notDone} not done; no partial file was left. " +
                              "Free some space and run the same command with --skip-existing to do the rest.");
            if (!plain) foreach (var o in outcomes.Where(o => o.Ok)) Console.WriteLine($"  saved {o.File}");
            return ExitCodes.BadInput;
        }
        if (cancelled)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cancelled after {wall.Elapsed.TotalSeconds:F1} s: {ok} saved in {outDir}, {failed} failed, {notDone} not done; no partial file was left."));
            if (!plain) foreach (var o in outcomes.Where(o => o.Ok)) Console.WriteLine($"  saved {o.File}"); // plain output listed them as it went
            return ExitCodes.Cancelled;
        }
        if (inColour > 0)
            Console.WriteLine($"skipped {inColour} photo(s) already in colour: {string.Join(", ", outcomes.Where(o => o.InColour).Select(o => o.File))} (--force colourises them anyway).");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ok} ok, {failed} failed{(inColour > 0 ? $", {inColour} skipped (in colour)" : "")} in {wall.Elapsed.TotalSeconds:F1} s; results in {outDir} ({job.Model.Description})."));
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
                return new Outcome(name, false, ErrorReport.Classify(e).Message, DiskFull: e is DiskFullException);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return new Outcome(name, false, "interrupted before it was saved", Cancelled: true);
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
