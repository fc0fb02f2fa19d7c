using System.CommandLine;
using System.Globalization;
using PdnColorize.Imaging;

namespace PdnColorize.Cli.Commands;

/// <summary><c>pdncolorize colorize &lt;in&gt; [-o out] [options]</c>: one file; prints one line saying what ran.</summary>
public static class ColorizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("in") { Description = "The photo to colourise (PNG, JPEG, WebP, BMP, TIFF)." };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write the result (.png, .jpg or .tif; a 16-bit source gives a 16-bit PNG or TIFF). Default: <in-stem>.colorized.png beside the input.",
            HelpName = "out",
        };
        var options = new PipelineOptions(selection: true);

        var command = new Command("colorize", "Colourise one photo.");
        command.Arguments.Add(input);
        command.Options.Add(output);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                string inPath = parse.GetValue(input)!;
                string? given = parse.GetValue(output);
                if (given is not null && string.IsNullOrWhiteSpace(given))
                    throw new UsageException($"-o/--output needs a file name; got '{given}'.");
                string outPath = given ?? DefaultOutput(inPath);
                var job = new ColorizeJob(options.Read(parse));
                string? folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
                if (folder is not null)
                    foreach (string stale in TempFiles.RemoveStale(folder))
                        Console.Error.WriteLine($"pdncolorize: removed {stale}, left by a save that was interrupted");
                var result = job.Run(inPath, outPath, cancellation);
                Console.WriteLine(Describe(result));
                return Task.FromResult(ExitCodes.Ok);
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    public static string DefaultOutput(string input)
    {
        string dir = Path.GetDirectoryName(input) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(input) + ".colorized.png");
    }

    public static string Describe(JobResult r)
    {
        var t = r.Timings;
        var c = r.Chroma;
        string Ms(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        return $"colorized {r.Input} -> {r.Output} ({r.Width}x{r.Height}) | {c.ModelDescription} | region {c.Region} | " +
               $"grid {c.GridWidth}x{c.GridHeight} | decode {Ms(t.DecodeMs)} ms, model {Ms(t.ModelMs)} ms " +
               $"(inference {Ms(c.InferenceTime.TotalMilliseconds)} ms), compose {Ms(t.ComposeMs)} ms, save {Ms(t.SaveMs)} ms, " +
               $"total {Ms(t.TotalMs)} ms" + (c.Detail is { } d ? $" | {d}" : "");
    }
}
