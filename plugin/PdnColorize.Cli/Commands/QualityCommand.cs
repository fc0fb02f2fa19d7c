using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PdnColorize.Core.Detail;
using PdnColorize.Engines;
using PdnColorize.Quality;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize quality &lt;dir&gt; [--json f] [--crops dir] [--limit N] [options]</c>: the measurements of the
/// detail pass and the chroma upsampling (docs/quality.md). Each colour photo's gray version is colourised in global
/// mode and in fine mode (every harmonisation) and composed with nearest, bilinear and guided upsampling; printed per
/// photo: CIEDE2000 and edge ab error against the original, seam score (fine: at internal tile edges and at blend-ramp
/// centres; global: the same lines, as a control), drift of fine against global; then the model-free oracle (the
/// photo's own chroma on the model's grid, upsampled) and a synthetic step edge. <c>--pipeline 24,100</c> instead times
/// the CPU-side pipeline on synthetic images of that many megapixels, global and fine, with host peak memory.
/// Exit 0 when every photo was measured (targets are reported, not enforced), 1 when some failed, 2 bad arguments,
/// 3 model problem.
/// </summary>
public static class QualityCommand
{
    public const double SeamTarget = 1.05, DriftTarget = 2.0;

    public static Command Create()
    {
        var dir = new Argument<string?>("dir") { Description = "Folder of colour photos (the ground truth).", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<string?>("--json") { Description = "Also write every number as JSON to this file.", HelpName = "file" };
        var crops = new Option<string?>("--crops")
        {
            Description = "Write a before/after crop per photo to this folder: gray | global bilinear | global guided | fine guided | original.",
            HelpName = "dir",
        };
        var cropSize = new Option<int>("--crop-size") { Description = "Side of each crop in photo pixels.", DefaultValueFactory = _ => 96 };
        var cropZoom = new Option<int>("--crop-zoom") { Description = "Each crop pixel drawn as an N x N block (1..8), so bleeding is visible.", DefaultValueFactory = _ => 2 };
        var limit = new Option<int?>("--limit") { Description = "At most this many photos (the first by name).", HelpName = "N" };
        var quick = new Option<bool>("--quick") { Description = "Only the default harmonisation (skips affine and none)." };
        var oracle = new Option<bool>("--oracle-only") { Description = "Only the model-free oracle of each upsampler (no model runs)." };
        var pipeline = new Option<string?>("--pipeline")
        {
            Description = "Time the CPU-side pipeline instead, on synthetic images of these megapixels (e.g. 24,100), global and fine.",
            HelpName = "MP,MP",
        };
        var globalShape = new Option<string>("--global-shape")
        {
            Description = "The global pass's input shape when fine mode tiles: auto, own, tiles (the grid padded to the tiles' shape), globalgrid (a dynamic model's tiles take the grid's shape).",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong("auto", "own", "tiles", "globalgrid");
        var tileSize = new Option<int?>("--tile-size")
        {
            Description = "Tiles of this side (multiple of 32) for the fine pass instead of the model's size, one per call, as a GPU's planner may choose (2x the size).",
            HelpName = "N",
        };
        var repeats = new Option<int>("--repeats") { Description = "--pipeline: runs per configuration (the first is reported on its own, then the best of the others).", DefaultValueFactory = _ => 3 };
        var options = new PipelineOptions(selection: false);

        var command = new Command("quality",
            "Measure the detail pass and chroma upsampling on colour photos: seam score, drift, edge bleed, CIEDE2000 " +
            "(global / fine x nearest / bilinear / guided); --detail is not used (both modes run). With --pipeline, --threads 0 means one thread. " +
            "Exit 0: all measured; 1: some photos failed; 2: bad arguments; 3: model problem.");
        command.Arguments.Add(dir);
        foreach (var o in new Option[] { json, crops, cropSize, cropZoom, limit, quick, oracle, globalShape, tileSize, pipeline, repeats }) command.Options.Add(o);
        options.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                var request = options.Read(parse);
                if (parse.GetValue(pipeline) is { } sizes)
                    return Task.FromResult(RunPipeline(sizes, request.Settings.Threads == 0 ? 1 : request.Settings.Threads,
                        parse.GetValue(repeats), request.Size ?? 256, request.Settings.Strength, parse.GetValue(json)));
                string folder = parse.GetValue(dir) ?? throw new UsageException("quality needs a folder of colour photos (or --pipeline).");
                var job = new ColorizeJob(request);
                var tuning = DetailTuning.Default with
                {
                    GlobalShape = parse.GetValue(globalShape) switch
                    {
                        "own" => GlobalPassShape.Own, "tiles" => GlobalPassShape.Tiles, "globalgrid" => GlobalPassShape.GlobalGrid, _ => GlobalPassShape.Auto,
                    },
                };
                IDetailCapacity capacity = CpuDetailCapacity.Default;
                if (parse.GetValue(tileSize) is { } side)
                {
                    if (side < ModelManifest.MinInputSize || side > ModelManifest.MaxInputSize || side % 32 != 0)
                        throw new UsageException($"--tile-size must be a multiple of 32 in {ModelManifest.MinInputSize}..{ModelManifest.MaxInputSize}; got {side}.");
                    capacity = new DelegateDetailCapacity($"tiles of {side} (--tile-size)", _ => new DetailCapacity(1, side) { AutoMinRatio = CpuDetailCapacity.CpuAutoMinRatio });
                }
                return Task.FromResult(Run(folder, job, tuning, capacity, parse.GetValue(json), parse.GetValue(crops), parse.GetValue(cropSize),
                    parse.GetValue(cropZoom), parse.GetValue(limit), parse.GetValue(quick), parse.GetValue(oracle), cancellation));
            }
            catch (Exception e)
            {
                return Task.FromResult(ErrorReport.Report(e));
            }
        });
        return command;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = CliJson.Default,
    };

    private static string F(double v, string format = "F3") =>
        double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);

    private static int Run(string dir, ColorizeJob job, DetailTuning tuning, IDetailCapacity capacity, string? jsonPath, string? cropDir, int cropSize, int cropZoom, int? limit,
        bool quick, bool oracleOnly, CancellationToken cancellation)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"the folder '{dir}' does not exist.");
        if (cropSize is < 16 or > 1024) throw new UsageException("--crop-size must lie in 16..1024.");
        if (cropZoom is < 1 or > 8) throw new UsageException("--crop-zoom must lie in 1..8.");
        var files = Directory.EnumerateFiles(dir).Where(ImageCodec.IsInputExtension).Order(StringComparer.Ordinal).ToList();
        if (limit is { } n) files = files.Take(n).ToList();
        if (files.Count == 0) throw new UsageException($"no images in '{dir}'.");
        if (cropDir is not null) Directory.CreateDirectory(cropDir);

        var model = job.Model; // exit 3 before any work when the model is unusable
        Console.WriteLine($"quality: {model.Description}; {files.Count} photos from {dir}");
        var photos = new List<PhotoQuality>();
        var failures = new List<(string, string)>();
        foreach (var file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            string name = Path.GetFileName(file);
            try
            {
                var truth = ImageCodec.Load(file);
                ColorizeJob.RequireColourisableSize(truth, file);
                var crop = cropDir is null ? null : new CropSheet(truth, cropSize, cropZoom, job.Settings.Harmonization);
                var probe = new QualityProbe(model)
                {
                    Settings = job.Settings,
                    Tuning = tuning,
                    Capacity = capacity,
                    DefaultHarmonizationOnly = quick,
                    OracleOnly = oracleOnly,
                    OnImage = crop is null ? null : crop.Take,
                };
                var q = probe.Measure(name, truth, cancellation);
                photos.Add(q);
                Print(q);
                if (crop?.Build() is { } sheet)
                {
                    string path = Path.Combine(cropDir!, Path.GetFileNameWithoutExtension(file) + "-crop.png");
                    ImageCodec.Save(sheet, path, cancellation: cancellation);
                    Console.WriteLine($"  crop {crop.Area} -> {path}");
                }
            }
            catch (Exception e) when (ErrorReport.IsPerFile(e))
            {
                failures.Add((name, ErrorReport.Classify(e).Message));
                Console.WriteLine($"FAILED {name}: {ErrorReport.Classify(e).Message}");
            }
        }

        var step = QualityProbe.StepEdge();
        Console.WriteLine("step edge (synthetic 1024x64, grid 128 wide, edge at 8 positions inside a cell; pixels per row off by > 10 % of the step):");
        Console.WriteLine("  " + string.Join(", ", step.Select(s => $"{s.Upsampling.ToLowerInvariant()} {F(s.BleedPixels, "F2")} px")));
        if (!oracleOnly) PrintSummary(photos, job.Settings);

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(new QualityReport(model.Description, dir,
                new QualitySettings(job.Settings.Upsampling.ToString(), job.Settings.Harmonization.ToString(), job.Settings.DetailScale,
                    tuning.GlobalShape.ToString(), tuning.BorderFade),
                new QualityTargets(SeamTarget, DriftTarget, Drift.DefaultSigma),
                photos,
                step.Select(s => new StepEdgeBleed(s.Upsampling, s.BleedPixels)).ToList(),
                failures.Select(f => new QualityFailure(f.Item1, f.Item2)).ToList()), Json.Of<QualityReport>()));
            Console.WriteLine($"wrote {jsonPath}");
        }
        foreach (var (file, reason) in failures) Console.Error.WriteLine($"pdncolorize: skipped {file}: {reason}");
        return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.Other;
    }

    private static void Print(PhotoQuality q)
    {
        Console.WriteLine($"{q.Name} {q.Width}x{q.Height}: {q.Detail}");
        if (q.Results.Count > 0)
        {
            Console.WriteLine($"  {"mode",-6} {"harmonisation",-14} {"upsampling",-10} {"dE2000",7} {"edge-ab",8} {"seam",6} {"seam@ramp",9} {"drift",6} {"seam/global",11} {"disagree",8} {"seam/shifted",12} {"shifted>=",9} {"dE@border",9}");
            foreach (var r in q.Results)
                Console.WriteLine($"  {r.Mode,-6} {r.Harmonization,-14} {r.Upsampling.ToLowerInvariant(),-10} {F(r.DeltaE2000),7} {F(r.EdgeAbError),8} " +
                                  $"{F(r.Seam),6} {F(r.SeamAtRampCentres),9} {(r.Mode == "fine" ? F(r.Drift) : "-"),6} {F(r.Seam / r.SeamOfGlobal),11} {F(r.OverlapDisagreement),8} " +
                                  $"{F(r.Seam / r.SeamOfShiftedLines),12} {$"{r.ShiftedAtLeastAsHigh}/{QualityProbe.ControlShifts.Length}",9} {F(r.BorderDeltaE2000),9}");
        }
        foreach (var o in q.Oracle)
            Console.WriteLine($"  oracle {o.Grid,-18} {o.Upsampling.ToLowerInvariant(),-10} edge-ab {F(o.EdgeAbError)}  all-ab {F(o.OverallAbError)}");
    }

    private static void PrintSummary(List<PhotoQuality> photos, ColorizeSettings settings)
    {
        if (photos.Count == 0) return;
        Console.WriteLine($"summary over {photos.Count} photos (mean; seam and drift also worst):");
        var keys = photos.SelectMany(p => p.Results).Select(r => (r.Mode, r.Harmonization, r.Upsampling)).Distinct().ToList();
        foreach (var k in keys)
        {
            var rs = photos.SelectMany(p => p.Results).Where(r => (r.Mode, r.Harmonization, r.Upsampling) == k).ToList();
            Console.WriteLine($"  {k.Mode,-6} {k.Harmonization,-14} {k.Upsampling.ToLowerInvariant(),-10} dE2000 {F(rs.Average(r => r.DeltaE2000))}  " +
                              $"edge-ab {F(rs.Average(r => r.EdgeAbError))}  seam {F(rs.Average(r => r.Seam))} (worst {F(rs.Max(r => r.Seam))})  " +
                              $"seam@ramp worst {F(rs.Max(r => r.SeamAtRampCentres))}" +
                              (k.Mode == "fine" ? $"  drift {F(rs.Average(r => r.Drift))} (worst {F(rs.Max(r => r.Drift))})" +
                                                  $"  seam/global worst {F(rs.Max(r => r.Seam / r.SeamOfGlobal))}" +
                                                  $"  disagreement {F(rs.Average(r => r.OverlapDisagreement))}" : "") +
                              $"  seam/shifted {F(rs.Average(r => r.Seam / r.SeamOfShiftedLines))} (worst {F(rs.Max(r => r.Seam / r.SeamOfShiftedLines))})" +
                              $"  dE@border({QualityProbe.BorderBand}px) {F(rs.Average(r => r.BorderDeltaE2000))}");
        }
        var oracleKeys = photos.SelectMany(p => p.Oracle).Select(o => (o.Grid.Split(' ')[0], o.Upsampling)).Distinct();
        foreach (var (grid, up) in oracleKeys)
        {
            var os = photos.SelectMany(p => p.Oracle).Where(o => o.Grid.StartsWith(grid, StringComparison.Ordinal) && o.Upsampling == up).ToList();
            Console.WriteLine($"  oracle {grid,-7} {up.ToLowerInvariant(),-10} edge-ab {F(os.Average(o => o.EdgeAbError))}  all-ab {F(os.Average(o => o.OverallAbError))}");
        }
        var defaults = photos.SelectMany(p => p.Results)
            .Where(r => r.Mode == "fine" && r.Harmonization == settings.Harmonization.ToString() && r.Upsampling == settings.Upsampling.ToString()).ToList();
        if (defaults.Count == 0) return;
        double seam = defaults.Max(r => Math.Max(r.Seam, r.SeamAtRampCentres)), drift = defaults.Max(r => r.Drift);
        Console.WriteLine($"targets (default fine: {settings.Harmonization}, {settings.Upsampling.ToString().ToLowerInvariant()}): " +
                          $"worst seam {F(seam)} {(seam <= SeamTarget ? "<=" : ">")} {SeamTarget} {(seam <= SeamTarget ? "PASS" : "FAIL")}; " +
                          $"worst drift {F(drift)} {(drift <= DriftTarget ? "<=" : ">")} {DriftTarget} {(drift <= DriftTarget ? "PASS" : "FAIL")}");
    }

    /// <summary>
    /// A strip of same-place crops: gray input | global bilinear | global guided | fine guided (default harmonisation)
    /// | original. The place is the crop-sized window (on a coarse grid) where global guided and global bilinear differ
    /// most: where edge-aware upsampling changes something.
    /// </summary>
    private sealed class CropSheet
    {
        private static readonly string[] Panels = ["gray", "global-Bilinear", "global-Guided", "fine-{0}-Guided", "truth"];
        private const int Gap = 4;
        private readonly string[] _labels;
        private readonly int _size, _zoom;
        private readonly Dictionary<string, BgraImage> _images = [];

        public CropSheet(BgraImage truth, int size, int zoom, ChromaHarmonization harmonization)
        {
            _size = Math.Min(size, Math.Min(truth.Width, truth.Height));
            _zoom = zoom;
            _labels = Panels.Select(p => string.Format(CultureInfo.InvariantCulture, p, harmonization)).ToArray();
        }

        public PixelRect Area { get; private set; }

        public void Take(string label, BgraImage image)
        {
            if (Array.IndexOf(_labels, label) >= 0) _images[label] = image.Clone(); // the probe reuses its buffers
        }

        /// <summary>The strip, or null when a panel is missing (no fine mode for this photo).</summary>
        public BgraImage? Build()
        {
            if (_labels.Any(l => !_images.ContainsKey(l))) return null;
            Area = MostDifferent(_images[_labels[1]], _images[_labels[2]], _size);
            int side = _size * _zoom;
            var sheet = new BgraImage(_labels.Length * side + (_labels.Length - 1) * Gap, side);
            sheet.Pixels.Span.Fill(255);
            for (int panel = 0; panel < _labels.Length; panel++)
            {
                var image = _images[_labels[panel]];
                for (int y = 0; y < side; y++)
                {
                    var src = image.Row(Area.Y + y / _zoom, Area.X, _size);
                    var dst = sheet.Row(y, panel * (side + Gap), side);
                    for (int x = 0; x < side; x++) src.Slice(x / _zoom * 4, 4).CopyTo(dst.Slice(x * 4, 4));
                }
            }
            return sheet;
        }

        private static PixelRect MostDifferent(BgraImage p, BgraImage q, int size)
        {
            int step = Math.Max(8, size / 4);
            var best = new PixelRect(0, 0, size, size);
            long bestScore = -1;
            for (int y = 0; y + size <= p.Height; y += step)
            for (int x = 0; x + size <= p.Width; x += step)
            {
                long score = 0;
                for (int j = 0; j < size; j += 2)
                {
                    var a = p.Row(y + j, x, size);
                    var b = q.Row(y + j, x, size);
                    for (int i = 0; i < a.Length; i += 8)
                        score += Math.Abs(a[i] - b[i]) + Math.Abs(a[i + 1] - b[i + 1]) + Math.Abs(a[i + 2] - b[i + 2]);
                }
                if (score > bestScore) { bestScore = score; best = new PixelRect(x, y, size, size); }
            }
            return best;
        }
    }

    private static int RunPipeline(string sizes, int threads, int repeats, int modelSize, double strength, string? jsonPath)
    {
        if (repeats is < 1 or > 50) throw new UsageException("--repeats must lie in 1..50.");
        var list = sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v <= 256
                ? v : throw new UsageException($"--pipeline takes megapixels in (0, 256]; got '{s}'.")).ToList();
        var rows = new List<PipelineQualityRow>();
        foreach (double mp in list)
        {
            int width = (int)Math.Round(Math.Sqrt(mp * 1e6 * 1.5)), height = (int)Math.Round(mp * 1e6 / width);
            double imageMiB = 4.0 * width * height / 1048576;
            // One image per size, composed in place by every configuration (as the CLI does); the peak window opens
            // after it exists, so each configuration's peak is the image plus what that configuration adds.
            var image = PipelineBenchmark.TestCard(width, height);
            foreach (var (label, detail) in new[] { ("global", DetailMode.Global), ("fine", DetailMode.Fine) })
            foreach (var up in new[] { ChromaUpsampling.Bilinear, ChromaUpsampling.Guided })
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                PdnColorize.Engines.Diagnostics.HostMemory.ResetPeak();
                var timings = PipelineBenchmark.Run(image, threads, modelSize, repeats,
                    new ColorizeSettings { Detail = detail, Upsampling = up, Strength = strength }, out string report);
                double peak = PdnColorize.Engines.Diagnostics.HostMemory.PeakMiB();
                Console.WriteLine($"{width}x{height} ({width * (double)height / 1e6:F1} MP), {threads} thread(s), {label}, {up.ToString().ToLowerInvariant()}, strength {strength.ToString(CultureInfo.InvariantCulture)}: {report}");
                foreach (var t in timings)
                    Console.WriteLine($"  {t.Stage,-56} {t.Milliseconds,8:F0} ms  {t.NanosecondsPerPixel,6:F2} ns/pixel");
                Console.WriteLine($"  host peak {peak:F0} MiB = {peak / imageMiB:F2} x the image's {imageMiB:F0} MiB of BGRA (process, runtime included)");
                rows.Add(new PipelineQualityRow(mp, width, height, threads, strength, label, up.ToString(), report, timings, peak, imageMiB));
            }
        }
        if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(rows, Json.Of<List<PipelineQualityRow>>()));
        return ExitCodes.Ok;
    }
}
