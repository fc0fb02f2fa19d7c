using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Imaging;
using Spectre.Console;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize eval &lt;dir&gt; [--json f] [--list FILE] [--limit N] [options]</c>: for each colour image, its gray
/// version (L* kept, a* = b* = 0) is colourised and scored against the original; the gray version itself is scored
/// too (the baseline). Means are over images, each image weighing the same. PSNR of identical images (+inf) counts
/// as 100 dB. <c>seconds</c> is the time spent colourising (prediction + compose, summed over images); for the
/// baseline, the time spent making the gray versions. Exit 0 when every image was scored, 1 when some failed,
/// 2 for bad arguments or no images, 3 for a model problem.
/// </summary>
public static class EvalCommand
{
    /// <summary>The value an infinite PSNR (identical images) counts as in means.</summary>
    public const double PsnrCap = 100;

    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "Folder of colour photos (the ground truth)." };
        var json = new Option<string?>("--json") { Description = "Also write the scores as JSON to this file.", HelpName = "file" };
        var list = new Option<string?>("--list")
        {
            Description = "Only the files named in this text file (one name a line, '#' starts a comment), e.g. a validation split.",
            HelpName = "FILE",
        };
        var limit = new Option<int?>("--limit") { Description = "At most this many images (the first by name).", HelpName = "N" }.InRange(1);
        var options = new PipelineOptions(selection: false);

        var command = new Command("eval",
            "Score the model on colour photos: gray version (L* kept, a* = b* = 0) -> colourise -> compare with the original; " +
            "the gray version itself is scored as the baseline. Exit 0: all scored; 1: some images failed; 2: bad arguments; 3: model problem.");
        command.Arguments.Add(dir);
        command.Options.Add(json);
        command.Options.Add(list);
        command.Options.Add(limit);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(parse.GetValue(dir)!, parse.GetValue(json), parse.GetValue(list), parse.GetValue(limit),
                    new ColorizeJob(options.Read(parse)), cancellation));
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    /// <summary>Scores of one image (or means over images).</summary>
    public sealed record Scores(double DeltaE2000, double PsnrRgb, double Colourfulness, double ColourfulnessGt, double MeanAbsDeltaL, double Seconds,
        ColourRecallCounts Recall = default);

    private sealed record ImageScores(string File, int Width, int Height, Scores Model, Scores Gray);

    private static int Run(string dir, string? jsonPath, string? listPath, int? limit, ColorizeJob job, CancellationToken cancellation)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"the folder '{dir}' does not exist.");
        if (jsonPath is not null) CheckJsonWritable(jsonPath);

        var failures = new List<(string File, string Reason)>();
        var files = Directory.EnumerateFiles(dir).Where(ImageCodec.IsInputExtension).Order(StringComparer.Ordinal).ToList();
        if (listPath is not null)
        {
            var (selected, missing) = Select(files, ReadList(listPath));
            files = selected;
            failures.AddRange(missing.Select(m => (m, $"listed in {Path.GetFileName(listPath)} but not found in {dir}")));
        }
        if (limit is { } n) files = files.Take(n).ToList();
        if (files.Count == 0) throw new UsageException($"no images to evaluate in '{dir}'{(listPath is null ? "" : $" among those listed in '{listPath}'")}.");

        var model = job.Model; // exit 3 before any work when the model is unusable
        var colorizer = new Colorizer(model);
        var results = new List<ImageScores>();
        bool plain = !ConsoleUi.Interactive;
        var blackAndWhite = new List<string>();
        ConsoleUi.WithProgress($"Evaluating {files.Count} images", files.Count, advance =>
        {
            for (int i = 0; i < files.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                string name = Path.GetFileName(files[i]);
                try
                {
                    var r = ScoreOne(files[i], colorizer, job.Settings, cancellation);
                    results.Add(r);
                    if (r.Gray.DeltaE2000 < 1.0) blackAndWhite.Add(name); // its gray version is the photo: no colour to score
                    if (plain)
                        Console.WriteLine($"[{i + 1}/{files.Count}] {name}: dE2000 {ConsoleUi.Number(r.Model.DeltaE2000)} (gray {ConsoleUi.Number(r.Gray.DeltaE2000)})");
                }
                catch (Exception e) when (ErrorReport.IsPerFile(e))
                {
                    string reason = ErrorReport.Classify(e).Message;
                    failures.Add((name, reason));
                    if (plain) Console.WriteLine($"[{i + 1}/{files.Count}] FAILED {name}: {reason}");
                }
                advance($"{i + 1}/{files.Count} {name}");
            }
        });

        if (results.Count == 0)
        {
            Console.Error.WriteLine($"pdncolorize: none of the {files.Count} images could be evaluated.");
            foreach (var (file, reason) in failures) Console.Error.WriteLine($"  {file}: {reason}");
            return ExitCodes.Other;
        }

        var modelMean = Mean(results.Select(r => r.Model).ToList());
        var grayMean = Mean(results.Select(r => r.Gray).ToList());
        PrintTable(model.Description, results.Count, modelMean, grayMean);
        if (blackAndWhite.Count > 0)
            Console.Error.WriteLine($"pdncolorize: warning: {blackAndWhite.Count} of {results.Count} photos are black-and-white (their gray version differs from them by < 1 dE2000: {string.Join(", ", blackAndWhite.Take(10))}{(blackAndWhite.Count > 10 ? ", ..." : "")}); eval needs colour photos as the truth, so the gray baseline and the scores say nothing about colour for them.");
        foreach (var (file, reason) in failures) Console.Error.WriteLine($"pdncolorize: skipped {file}: {reason}");

        if (jsonPath is not null)
        {
            WriteJson(jsonPath, model.Description, dir, results, modelMean, grayMean, failures);
            Console.WriteLine($"wrote {jsonPath}");
        }
        return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.Other;
    }

    private static ImageScores ScoreOne(string path, Colorizer colorizer, ColorizeSettings settings, CancellationToken cancellation)
    {
        var truth = ImageCodec.Load(path);
        ColorizeJob.RequireColourisableSize(truth, path);

        var clock = Stopwatch.StartNew();
        var gray = GrayVersion.Of(truth);
        double graySeconds = clock.Elapsed.TotalSeconds;

        var colourised = gray.Clone();
        clock.Restart();
        colorizer.Colorize(colourised, colourised, null, settings, cancellation);
        double modelSeconds = clock.Elapsed.TotalSeconds;

        double colourfulnessGt = ImageMetrics.Colourfulness(truth);
        var m = ImageMetrics.Compare(colourised, truth, settings.Threads);
        var g = ImageMetrics.Compare(gray, truth, settings.Threads);
        return new ImageScores(Path.GetFileName(path), truth.Width, truth.Height,
            new Scores(m.DeltaE2000, Cap(m.PsnrRgb), ImageMetrics.Colourfulness(colourised), colourfulnessGt, m.MeanAbsDeltaL, modelSeconds, m.Recall),
            new Scores(g.DeltaE2000, Cap(g.PsnrRgb), ImageMetrics.Colourfulness(gray), colourfulnessGt, g.MeanAbsDeltaL, graySeconds, g.Recall));
    }

    private static double Cap(double psnr) => Math.Min(psnr, PsnrCap);

    /// <summary>Means over images; <see cref="Scores.Seconds"/> is summed and colour recall pooled over every image's pixels.</summary>
    private static Scores Mean(IReadOnlyList<Scores> s) => new(
        s.Average(x => x.DeltaE2000), s.Average(x => x.PsnrRgb), s.Average(x => x.Colourfulness),
        s.Average(x => x.ColourfulnessGt), s.Average(x => x.MeanAbsDeltaL), s.Sum(x => x.Seconds),
        s.Aggregate(default(ColourRecallCounts), (sum, x) => sum + x.Recall));

    public static IReadOnlyList<string> ReadList(string listPath)
    {
        if (!File.Exists(listPath)) throw new UsageException($"the list file '{listPath}' does not exist.");
        return File.ReadAllLines(listPath)
            .Select(line => (line.IndexOf('#') is var hash and >= 0 ? line[..hash] : line).Trim())
            .Where(line => line.Length > 0)
            .ToList();
    }

    /// <summary>The files whose name (or stem) is listed, in list order without repeats; and the names not found.</summary>
    private static (List<string> Selected, List<string> Missing) Select(List<string> files, IReadOnlyList<string> names)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in files) byName.TryAdd(Path.GetFileName(f), f);
        foreach (var f in files) byName.TryAdd(Path.GetFileNameWithoutExtension(f), f);
        var selected = new List<string>();
        var seen = new HashSet<string>();
        var missing = new List<string>();
        foreach (var name in names)
        {
            if (byName.TryGetValue(Path.GetFileName(name), out var file)) { if (seen.Add(file)) selected.Add(file); }
            else missing.Add(name);
        }
        return (selected, missing);
    }

    private static void PrintTable(string modelDescription, int images, Scores model, Scores gray)
    {
        var table = new Table()
            .Title(ConsoleUi.Cell($"eval on {images} images"))
            .AddColumn("metric")
            .AddColumn(new TableColumn("model").RightAligned())
            .AddColumn(new TableColumn("gray baseline").RightAligned());
        void Row(string metric, double m, double g, string format = "F3") =>
            table.AddRow(ConsoleUi.Cell(metric), ConsoleUi.Number(m, format), ConsoleUi.Number(g, format));
        Row("ΔE2000 (lower is better)", model.DeltaE2000, gray.DeltaE2000);
        Row("PSNR RGB dB (higher is better)", model.PsnrRgb, gray.PsnrRgb);
        Row("colourfulness", model.Colourfulness, gray.Colourfulness);
        Row("colourfulness of ground truth", model.ColourfulnessGt, gray.ColourfulnessGt);
        Row("mean |ΔL|", model.MeanAbsDeltaL, gray.MeanAbsDeltaL);
        Row("colour recall (higher is better)", model.Recall.Recall, gray.Recall.Recall);
        Row("seconds", model.Seconds, gray.Seconds, "F2");
        AnsiConsole.Write(table);
        Console.WriteLine($"model: {modelDescription}");
    }

    private static void CheckJsonWritable(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"--json '{path}' is a folder.");
        string? folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) throw new UsageException($"--json '{path}' cannot be written: its folder does not exist.");
    }

    private static void WriteJson(string path, string modelDescription, string dir, List<ImageScores> results, Scores model, Scores gray,
        List<(string File, string Reason)> failures)
    {
        string full = Path.GetFullPath(path);
        string temp = TempFiles.For(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                WriteScores(w, results.Count, model);
                w.WriteStartObject("gray_baseline");
                WriteScores(w, results.Count, gray);
                w.WriteEndObject();
                w.WriteString("model", modelDescription);
                w.WriteString("dataset", Path.GetFullPath(dir));
                w.WriteNumber("psnr_cap_db", PsnrCap);
                w.WriteStartArray("failed");
                foreach (var (file, reason) in failures)
                {
                    w.WriteStartObject();
                    w.WriteString("file", file);
                    w.WriteString("reason", reason);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("per_image");
                foreach (var r in results)
                {
                    w.WriteStartObject();
                    w.WriteString("file", r.File);
                    w.WriteNumber("width", r.Width);
                    w.WriteNumber("height", r.Height);
                    WriteScores(w, null, r.Model);
                    w.WriteStartObject("gray_baseline");
                    WriteScores(w, null, r.Gray);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new UsageException($"--json '{path}' cannot be written: {e.Message}");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The fixed eval fields (docs/architecture.md): images, delta_e2000, psnr_rgb, colourfulness, colourfulness_gt, mean_abs_dL, seconds;
    /// and colour_recall.</summary>
    private static void WriteScores(Utf8JsonWriter w, int? images, Scores s)
    {
        if (images is { } n) w.WriteNumber("images", n);
        w.WriteNumber("delta_e2000", Round(s.DeltaE2000));
        w.WriteNumber("psnr_rgb", Round(s.PsnrRgb));
        w.WriteNumber("colourfulness", Round(s.Colourfulness));
        w.WriteNumber("colourfulness_gt", Round(s.ColourfulnessGt));
        w.WriteNumber("mean_abs_dL", Round(s.MeanAbsDeltaL));
        w.WriteNumber("seconds", Round(s.Seconds));
        // Pooled share of the truth's coloured pixels given the right hue (ColourRecallCounts); null without any.
        if (double.IsNaN(s.Recall.Recall)) w.WriteNull("colour_recall");
        else w.WriteNumber("colour_recall", Round(s.Recall.Recall));
    }

    private static double Round(double v) => Math.Round(v, 6);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
