using System.CommandLine;
using System.Globalization;
using PdnColorize.Calibration;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;
using Spectre.Console;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize calibrate &lt;model&gt; &lt;images-dir&gt; [--method minmax|percentile|entropy] [--percentile P]
/// [--samples N] [--validation N] [--size N] [-o dir] [--force] [--int8-tail]</c>: INT8 calibration of a model over
/// representative photos. Writes ORT's TensorRT calibration table, TensorRT's text cache, the QDQ INT8 model for the
/// CPU/CUDA providers and report.json into one folder (default: the cache folder INT8 looks in for this model),
/// atomically. Exit 0 done; 2 bad input (no images, output exists without --force); 3 model problem; 1 other.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'models list') or path to an FP32 .onnx file." };
        var images = new Argument<string>("images-dir") { Description = "Folder of representative photos (colour or black-and-white)." };
        var method = new Option<string>("--method")
        {
            Description = "How each tensor's range is chosen: minmax, percentile (of |x|), entropy (TensorRT's KL-divergence search).",
            DefaultValueFactory = _ => "percentile",
        }.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var percentile = new Option<double>("--percentile")
        {
            Description = "With --method percentile: the percentile of |x| kept (e.g. 99.99).",
            DefaultValueFactory = _ => 99.99,
        }.InRange(0, 100, minExclusive: true);
        var samples = new Option<int>("--samples") { Description = "Photos to collect ranges on.", DefaultValueFactory = _ => 64, HelpName = "N" }.InRange(1);
        var validation = new Option<int>("--validation")
        {
            Description = "Further photos held out to compare INT8 with FP32 (CIEDE2000) in report.json.",
            DefaultValueFactory = _ => 16,
            HelpName = "N",
        }.InRange(0);
        var size = new Option<int?>("--size") { Description = "Calibrate at this model size (as colorize --size); default: the model's own.", HelpName = "N" }.InRange(ModelManifest.MinInputSize, ModelManifest.MaxInputSize);
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Output folder. Default: the cache folder that --precision int8 uses for this model.",
            HelpName = "dir",
        };
        var force = new Option<bool>("--force") { Description = "Replace the output folder if it exists." };
        var tail = new Option<bool>("--int8-tail")
        {
            Description = "Quantise the decoding tail (logits, softmax, expectation) too; by default it stays float to protect the colours.",
        };

        var command = new Command("calibrate",
            "INT8 calibration: run the FP32 model over representative photos, collect activation ranges, and write ORT's TensorRT " +
            "calibration table, TensorRT's text cache, a QDQ INT8 model and report.json. Exit 0: done; 2: bad input; 3: model problem.");
        command.Arguments.Add(model);
        command.Arguments.Add(images);
        command.Options.Add(method);
        command.Options.Add(percentile);
        command.Options.Add(samples);
        command.Options.Add(validation);
        command.Options.Add(size);
        command.Options.Add(output);
        command.Options.Add(force);
        command.Options.Add(tail);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                return Task.FromResult(Run(parse.GetValue(model)!, parse.GetValue(images)!, RangeMethods.Parse(parse.GetValue(method) ?? "percentile"),
                    parse.GetValue(percentile), parse.GetValue(samples), parse.GetValue(validation), parse.GetValue(size), parse.GetValue(output),
                    parse.GetValue(force), parse.GetValue(tail), cancellation));
            }
            catch (CalibrationInputException e)
            {
                return Task.FromResult(ErrorReport.Report(new UsageException(e.Message)));
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    private static int Run(string modelArg, string imagesDir, RangeMethod method, double percentile, int samples, int validation, int? size,
        string? output, bool force, bool int8Tail, CancellationToken cancellation)
    {
        if (!Directory.Exists(imagesDir)) throw new UsageException($"the images folder '{imagesDir}' does not exist.");
        var entry = ModelStore.Default().Resolve(modelArg); // exit 3 when unknown
        // INT8 calibrates the contract model the engine will run (the adapted graph for a non-contract descriptor),
        // so the calibration is found under that file's SHA-256 when the model is later run at INT8.
        string runnable = Engines.Descriptors.ContractAdapter.Prepare(entry, CacheStore.Default());
        string outputDir = output ?? CalibrationFiles.DefaultDirectory(CacheStore.Default(), ModelFingerprint.Of(runnable));

        Console.WriteLine($"calibrating {entry.Manifest.Id} ({Path.GetFileName(entry.ModelPath)}) on {imagesDir} with {method.Label()} ranges");
        var result = Calibrator.Run(new CalibrationRequest
        {
            ModelPath = runnable,
            ModelId = entry.Manifest.Id,
            InputSize = size ?? entry.Manifest.InputSize,
            ImagesDirectory = imagesDir,
            OutputDirectory = outputDir,
            Method = method,
            Percentile = percentile,
            Samples = samples,
            Validation = validation,
            Force = force,
            Qdq = new QdqOptions { KeepFloatTail = !int8Tail },
            Log = Console.Error.WriteLine,
        }, cancellation);

        var r = result.Report;
        var table = new Table().Title(ConsoleUi.Cell($"INT8 calibration of {r.ModelId}")).AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        void Row(string what, string value) => table.AddRow(ConsoleUi.Cell(what), ConsoleUi.Cell(value));
        Row("photos: calibration / held out / skipped", $"{r.Split.Calibration.Count} / {r.Split.Validation.Count} / {r.Split.Skipped.Count}");
        Row("tensors calibrated", r.TensorsCalibrated.ToString(CultureInfo.InvariantCulture));
        Row("INT8 vs FP32 mean CIEDE2000", r.Accuracy is { } a ? a.Int8VsFp32.ToString("F3", CultureInfo.InvariantCulture) : "n/a (nothing held out)");
        Row("model size INT8 / FP32", $"{r.Int8Bytes / 1048576.0:F2} / {r.Fp32Bytes / 1048576.0:F2} MiB ({r.SizeRatio:P1})");
        Row($"CPU ms at {r.Timing.Width}x{r.Timing.Height}: FP32 / INT8", $"{r.Timing.Fp32Ms:F1} / {r.Timing.Int8Ms:F1} ({r.Timing.Speedup:F2}x)");
        AnsiConsole.Write(table);
        if (r.Split.Calibration.Count < samples)
            Console.WriteLine($"note: calibrated on {r.Split.Calibration.Count} photos, fewer than --samples {samples}.");
        Console.WriteLine($"wrote {result.OutputDirectory}");
        Console.WriteLine($"use it with: pdncolorize colorize <photo> --model \"{modelArg}\" --precision int8" +
                          (output is null ? "" : $" --calibration \"{outputDir}\""));
        return ExitCodes.Ok;
    }
}
