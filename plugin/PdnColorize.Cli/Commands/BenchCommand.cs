using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PdnColorize.Quality;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Diagnostics;
using PdnColorize.Engines.Gpu;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize bench</c>: model speed and memory per (size, precision, device), or with <c>--pipeline</c> the
/// CPU-side work around the model. Each configuration gets a fresh session (and so its own memory measurement).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model id or .onnx path. Default: the embedded model." };
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated input sizes.", DefaultValueFactory = _ => "256,512" };
        var precisions = new Option<string>("--precision") { Description = "Comma-separated: auto, fp32, fp16, int8.", DefaultValueFactory = _ => "auto" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, tensorrt.", DefaultValueFactory = _ => "auto" };
        var batch = new Option<int>("--batch") { Description = "Batch size N.", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per configuration (median reported).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first.", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Write the results as a JSON list." };
        var vram = new Option<int?>("--vram-budget") { Description = "GPU memory cap in MiB (CUDA arena limit)." };
        var cudaOption = new Option<string[]>("--cuda-option") { Description = "Extra CUDA provider option key=value (repeatable), for measuring levers.", AllowMultipleArgumentsPerToken = false };
        var pipeline = new Option<bool>("--pipeline") { Description = "Measure the CPU-side pipeline (no model) instead." };
        var megapixels = new Option<double>("--megapixels") { Description = "--pipeline: test image size.", DefaultValueFactory = _ => 24 };
        var threads = new Option<int>("--threads") { Description = "--pipeline: worker threads (1 = one core).", DefaultValueFactory = _ => 1 };
        var alternate = new Option<string?>("--alternate") { Description = "HxW (or NxHxW, another batch) of a second input shape: also time runs that each follow a run of that shape (the pipeline alternates a global pass and tiles).", HelpName = "[N]xHxW" };
        var png = new Option<string?>("--png") { Description = "Time PNG encoding of this image (the product's strip encoder against Skia's) instead; --runs: repeats, best reported.", HelpName = "image" };
        var gflop = new Option<double?>("--gflop") { Description = "GFLOP of one image at the timed size (engines/bench/count_flops.py): report the achieved TFLOP/s." };
        var ortProfile = new Option<string?>("--ort-profile") { Description = "Write ONNX Runtime's profiler trace (per-node kernel times) under this path prefix.", HelpName = "prefix" };
        var probeMemory = new Option<bool>("--probe-memory") { Description = "Fit the GPU memory model (peak = base + k*N*S^2) from the two probe runs the planner uses, bypassing its cache, and print it." };

        var command = new Command("bench", "Measure model speed and memory, or the CPU-side pipeline (--pipeline).");
        foreach (var o in new Option[] { model, sizes, precisions, device, batch, runs, warmup, json, vram, cudaOption, pipeline, megapixels, threads, probeMemory, alternate, png, gflop, ortProfile })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(pipeline))
                    return RunPipeline(parse.GetValue(megapixels), parse.GetValue(threads), parse.GetValue(json));
                if (parse.GetValue(png) is { } image)
                    return RunPng(image, parse.GetValue(runs));
                var request = new EngineRequest
                {
                    ModelPath = Engines.Descriptors.ContractAdapter.Prepare(ModelStore.Default().Resolve(parse.GetValue(model)), CacheStore.Default()),
                    Device = Parse(() => EngineChoices.ParseDevice(parse.GetValue(device)!)),
                    VramBudgetMiB = parse.GetValue(vram),
                    CudaOverrides = PipelineOptions.ParseCudaOptions(parse.GetValue(cudaOption) ?? []),
                    ProfilePrefix = parse.GetValue(ortProfile),
                };
                if (parse.GetValue(gflop) is <= 0) throw new UsageException("--gflop must be positive.");
                if (parse.GetValue(probeMemory))
                    return RunMemoryProbe(request, parse.GetValue(precisions)!, ParseSizes(parse.GetValue(sizes)!).First());
                var results = new List<BenchResult>();
                foreach (string p in parse.GetValue(precisions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                foreach (int size in ParseSizes(parse.GetValue(sizes)!))
                {
                    using var sessions = new SessionCache();
                    var factory = new EngineFactory(CacheStore.Default(Console.Error.WriteLine), Console.Error.WriteLine, sessions);
                    var r = EngineBenchmark.Run(factory, request with { Precision = Parse(() => EngineChoices.ParsePrecision(p)) },
                        Path.GetFileNameWithoutExtension(request.ModelPath), size, parse.GetValue(batch), parse.GetValue(warmup), parse.GetValue(runs),
                        Console.Error.WriteLine, ParseShape(parse.GetValue(alternate), parse.GetValue(batch)), parse.GetValue(gflop));
                    results.Add(r);
                    Console.WriteLine(JsonSerializer.Serialize(r, CliJson.Default.BenchResult));
                }
                if (parse.GetValue(json) is { } path) File.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = CliJson.Default }.Of<List<BenchResult>>()));
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReport.Report(e);
            }
        });
        return command;
    }

    private static int RunPng(string path, int runs)
    {
        if (runs is < 1 or > 50) throw new UsageException("--runs must lie in 1..50 with --png.");
        var image = PdnColorize.Imaging.ImageCodec.Load(path);
        Console.WriteLine($"png bench: {path} {image.Width}x{image.Height}, best of {runs}");
        foreach (var t in PdnColorize.Imaging.PngBenchmark.Run(image, runs))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {t.Encoder,-40} {t.BestMilliseconds,8:F0} ms  {t.Bytes / 1e6,7:F2} MB"));
        return ExitCodes.Ok;
    }

    private static int RunPipeline(double megapixels, int threads, string? json)
    {
        if (megapixels is <= 0 or > 256) throw new UsageException("--megapixels must lie in (0, 256].");
        int width = (int)Math.Round(Math.Sqrt(megapixels * 1e6 * 1.5)), height = (int)Math.Round(megapixels * 1e6 / width);
        HostMemory.ResetPeak();
        var image = PipelineBenchmark.TestCard(width, height);
        var timings = PipelineBenchmark.Run(image, threads);
        double imageMiB = 4.0 * width * height / 1048576;
        Console.WriteLine($"pipeline bench: {width}x{height} ({width * (double)height / 1e6:F1} MP), {threads} thread(s), image {imageMiB:F0} MiB BGRA");
        foreach (var t in timings)
            Console.WriteLine($"  {t.Stage,-42} {t.Milliseconds,8:F0} ms  {t.NanosecondsPerPixel,6:F2} ns/pixel");
        double peak = HostMemory.PeakMiB();
        Console.WriteLine($"  host peak {peak:F0} MiB = {peak / imageMiB:F2} x the image's BGRA bytes (process total, runtime included)");
        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(new PipelineBenchReport(width, height, threads, timings, peak, imageMiB), CliJson.Default.PipelineBenchReport));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// One fresh process per call (so the probes start from an empty arena, as the planner's do): opens the engine, fits
    /// the memory model through a throw-away cache and prints it as JSON with its readings.
    /// </summary>
    private static int RunMemoryProbe(EngineRequest request, string precision, int size)
    {
        string scratch = Path.Combine(Path.GetTempPath(), "pdnc-probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var sessions = new SessionCache();
            var cache = new CacheStore(scratch, Console.Error.WriteLine);
            var factory = new EngineFactory(cache, Console.Error.WriteLine, sessions);
            var engine = factory.Open(request with { Precision = Parse(() => EngineChoices.ParsePrecision(precision)) });
            if (!engine.Provider.IsGpu()) throw new UsageException($"--probe-memory needs a GPU; the engine runs on {engine.Summary}.");
            var profile = new MemoryProfiler(cache, new NvmlVramMeter(engine.DeviceId), Console.Error.WriteLine, engine.Session.ReleaseArena)
                .Profile(engine, size, request.VramBudgetMiB);
            Console.WriteLine(JsonSerializer.Serialize(new MemoryProbeReport(
                Path.GetFileNameWithoutExtension(request.ModelPath), engine.Provider.Label(), engine.Precision.Label(), size,
                Math.Round(profile.IdleMiB, 1), Math.Round(profile.Model.BaseMiB, 1), Math.Round(profile.Model.MiBPerMegapixel, 1),
                Math.Round(profile.ProbeMs, 1),
                profile.Readings.Select(r => new MemoryProbeReading(r.Batch, r.Size, Math.Round(r.PeakMiB, 1), r.Failed)).ToList()),
                CliJson.Default.MemoryProbeReport));
            return ExitCodes.Ok;
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    private static T Parse<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>"HxW" (at the timed batch) or "NxHxW"; H and W multiples of 32, N at least 1.</summary>
    private static RunShape? ParseShape(string? text, int batch)
    {
        if (text is null) return null;
        var parts = text.Split('x', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        bool numbers = parts.Length is 2 or 3
            && parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok);
        if (numbers)
        {
            int n = parts.Length == 3 ? values[0] : batch, h = values[^2], w = values[^1];
            if (n >= 1 && h >= 32 && w >= 32 && h % 32 == 0 && w % 32 == 0) return new RunShape(n, h, w);
        }
        throw new UsageException($"--alternate takes HxW or NxHxW (H, W multiples of 32, N at least 1); got '{text}'.");
    }

    private static IEnumerable<int> ParseSizes(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= ModelManifest.MinInputSize && v <= ModelManifest.MaxInputSize && v % 32 == 0
                ? v : throw new UsageException($"--sizes takes multiples of 32 in {ModelManifest.MinInputSize}..{ModelManifest.MaxInputSize}; got '{s}'."));
}
