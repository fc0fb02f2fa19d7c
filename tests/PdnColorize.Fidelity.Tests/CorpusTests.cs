using System.Collections.Concurrent;
using System.Text;
using PdnColorize.Cli;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using Xunit.Abstractions;

namespace PdnColorize.Fidelity.Tests;

/// <summary>Models and folders shared by the corpus tests (made once).</summary>
public sealed class CorpusFixture : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ConcurrentDictionary<ModelKind, string> _models = new();

    public CorpusFixture()
    {
        Directory.CreateDirectory(ModelsDir);
        Directory.CreateDirectory(UserModels);
        Directory.CreateDirectory(CliCache);
        EmbeddedModel = ModelStore.Default().Resolve(null).ModelPath;
    }

    public string Root => _dir.Path;
    public string ModelsDir => _dir.File("models");
    public string UserModels => _dir.File("user-models");
    public string CliCache => _dir.File("cli-cache");
    public string EmbeddedModel { get; }

    public string ModelPath(ModelKind kind) => _models.GetOrAdd(kind, k => BadInputCorpus.WriteModel(k, ModelsDir, EmbeddedModel));

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// The bad-input corpus (BadInputCorpus, >= 200 generated cases) through Core (ImageCodec + Colorizer, errors mapped by
/// the CLI's one classifier) and through the real CLI as a process: no crash, no hang, the documented exit code and
/// message, no partial output. Plus corrupt cache and calibration entries.
/// </summary>
public sealed class CorpusTests(CorpusFixture fixture, ITestOutputHelper output) : IClassFixture<CorpusFixture>
{
    private static readonly TimeSpan CoreTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(45);
    private static readonly ColorizeSettings Settings = new() { Detail = DetailMode.Global, ModelSize = 64, Threads = 1 };

    [Fact]
    public void The_corpus_has_at_least_200_cases_of_every_kind_asked_for()
    {
        var kinds = BadInputCorpus.All.Select(c => c.Kind).ToHashSet();
        Assert.True(BadInputCorpus.All.Count >= 200, $"{BadInputCorpus.All.Count} cases");
        foreach (var k in new[] { "truncated-png", "truncated-jpg", "truncated-webp", "bitflip-png", "bitflip-jpg", "bitflip-webp", "size", "format", "bomb", "model" })
            Assert.Contains(k, kinds);
        foreach (var n in new[] { "0x0.png", "1x1.png", "1x65535.png", "rgb16.png", "gray8.png", "paletted.png", "cmyk.jpg" })
            Assert.Contains(BadInputCorpus.All, c => c.Name == n);
    }

    // ------------------------------------------------------------------ Core

    [Fact]
    public void Every_case_through_core_has_its_documented_outcome()
    {
        var results = new List<(CorpusCase Case, Outcome Outcome, string Message)>();
        var failures = new List<string>();
        var sessions = new SessionCache();
        var factory = new EngineFactory(new CacheStore(Path.Combine(fixture.Root, "core-cache")), sessions: sessions);
        using var dir = new TempDir();
        foreach (var c in BadInputCorpus.All)
        {
            string caseDir = Path.Combine(dir.Path, Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(caseDir);
            string input = Path.Combine(caseDir, "in" + c.Extension), outPath = Path.Combine(caseDir, "out.png");
            File.WriteAllBytes(input, c.Bytes);
            var task = Task.Run(() => RunCore(c, input, outPath, factory));
            if (!task.Wait(CoreTimeout)) { failures.Add($"{c}: hung (> {CoreTimeout.TotalSeconds} s)"); continue; }
            var (outcome, message, crash) = task.Result;
            results.Add((c, outcome, message));
            if (crash is not null) { failures.Add($"{c}: crashed: {crash}"); continue; }
            if (!c.Allowed.Contains(outcome)) failures.Add($"{c}: {outcome} ({message}); documented: {string.Join("|", c.Allowed)}");
            bool wrote = File.Exists(outPath);
            if (outcome == Outcome.Ok != wrote) failures.Add($"{c}: outcome {outcome} but output {(wrote ? "written" : "missing")}");
            var leftovers = Directory.GetFiles(caseDir).Select(Path.GetFileName).Where(f => f != Path.GetFileName(input) && f != "out.png").ToList();
            if (leftovers.Count > 0) failures.Add($"{c}: partial files left: {string.Join(", ", leftovers)}");
            if (outcome == Outcome.BadInput && !message.Contains(input) && !message.Contains("smaller than"))
                failures.Add($"{c}: bad-input message does not name the file: {message}");
            if (outcome == Outcome.ModelProblem && !message.StartsWith("model problem:"))
                failures.Add($"{c}: model-problem message: {message}");
        }
        sessions.Dispose();
        output.WriteLine(Summary("Core (ImageCodec + Colorizer)", results.Select(r => (r.Case.Kind, r.Outcome))));
        foreach (var r in results.Where(r => r.Case.Kind is "size" or "bomb" or "model" or "format" or "not-image"))
            output.WriteLine($"  {r.Case,-32} {r.Outcome,-12} {Trim(r.Message)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>One case the way a host does it; errors become (exit code, message) through the CLI's classifier.</summary>
    private (Outcome, string, string?) RunCore(CorpusCase c, string input, string outPath, EngineFactory factory)
    {
        try
        {
            var model = OnnxChromaModel.Load(fixture.ModelPath(c.Model), choice: new EngineChoice { Device = DeviceRequest.Cpu, Precision = Precision.Fp32 }, factory: factory);
            var image = ImageCodec.Load(input);
            if (c.Kind == "size") ExtremeSizeThroughColorizer(image, model);
            ColorizeJob.RequireColourisableSize(image, input);
            var result = new BgraImage(image.Width, image.Height);
            new Colorizer(model).Colorize(image, result, null, Settings);
            ImageCodec.Save(result, outPath);
            return (Outcome.Ok, "", null);
        }
        catch (Exception e)
        {
            var (code, message) = ErrorReport.Classify(e);
            return code is ExitCodes.BadInput or ExitCodes.ModelProblem
                ? ((Outcome)code, message, null)
                : ((Outcome)code, message, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// The CLI refuses images under 8x8 by rule; a host may still hand Core a 1x1 or 1x65535 image: the Colorizer must
    /// colourise it or refuse with an ArgumentException, never crash otherwise.
    /// </summary>
    private static void ExtremeSizeThroughColorizer(BgraImage image, IChromaModel model)
    {
        try
        {
            var result = new BgraImage(image.Width, image.Height);
            new Colorizer(model).Colorize(image, result, null, Settings);
        }
        catch (ArgumentException) { }
    }

    // ------------------------------------------------------------------ CLI

    /// <summary>
    /// Two cases of each kind (the middle one and the last), three models (contract, NaN, not ONNX): every kind goes
    /// through the real process. A process costs about 1.5 s on 2 cores, so the whole corpus stays in Core.
    /// </summary>
    public static IReadOnlyList<CorpusCase> CliSubset { get; } = BadInputCorpus.All.GroupBy(c => c.Kind)
        .SelectMany(g =>
        {
            var list = g.ToList();
            if (g.Key == "model") return list.Where(c => c.Model is ModelKind.WrongOutputChannels or ModelKind.NaNOutput or ModelKind.Garbage);
            return new[] { list.Count / 2, list.Count - 1 }.Distinct().Select(i => list[i]);
        }).ToList();

    [Fact]
    public void A_subset_of_every_kind_through_the_cli_process_has_its_documented_exit_code()
    {
        var failures = new ConcurrentBag<string>();
        var results = new ConcurrentBag<(string Kind, Outcome Outcome)>();
        using var dir = new TempDir();
        Parallel.ForEach(CliSubset, new ParallelOptions { MaxDegreeOfParallelism = 2 }, c =>
        {
            string caseDir = Path.Combine(dir.Path, Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(caseDir);
            string input = Path.Combine(caseDir, "in" + c.Extension), outPath = Path.Combine(caseDir, "out.png");
            File.WriteAllBytes(input, c.Bytes);
            CliResult r;
            try
            {
                r = CliProcess.Run(caseDir, fixture.UserModels, fixture.CliCache, CliTimeout,
                    "colorize", input, "-o", outPath, "--model", fixture.ModelPath(c.Model), "--device", "cpu", "--precision", "fp32",
                    "--detail", "global", "--size", "64", "--threads", "1");
            }
            catch (TimeoutException e) { failures.Add($"{c}: {e.Message}"); return; }
            var outcome = (Outcome)r.ExitCode;
            results.Add((c.Kind, outcome));
            if (!Enum.IsDefined(outcome) || !c.Allowed.Contains(outcome))
            {
                failures.Add($"{c}: {r}\ndocumented: {string.Join("|", c.Allowed)}");
                return;
            }
            var files = Directory.GetFiles(caseDir).Select(Path.GetFileName).Order().ToList();
            var expectedFiles = outcome == Outcome.Ok ? new[] { "in" + c.Extension, "out.png" }.Order().ToList() : ["in" + c.Extension];
            if (!files.SequenceEqual(expectedFiles)) failures.Add($"{c}: files after exit {r.ExitCode}: {string.Join(", ", files)}");
            if (outcome == Outcome.Ok) ImageCodec.Load(outPath);
            else
            {
                string err = r.Stderr.Trim();
                if (!err.StartsWith("pdncolorize: ")) failures.Add($"{c}: stderr is not one 'pdncolorize: ' message: {err}");
                if (outcome == Outcome.ModelProblem && !err.Contains("model problem")) failures.Add($"{c}: {err}");
                if (outcome == Outcome.BadInput && !err.Contains("in" + c.Extension)) failures.Add($"{c}: message does not name the file: {err}");
                if (err.Contains("   at ")) failures.Add($"{c}: a stack trace reached the user: {err}");
            }
        });
        output.WriteLine(Summary($"CLI process ({CliSubset.Count} of {BadInputCorpus.All.Count} cases)", results));
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }

    // ------------------------------------------------------------------ caches

    /// <summary>
    /// A converted FP16 model in the cache overwritten with garbage (or cut short, or its hash sidecar lost): the
    /// engines' CacheStore must notice, say so, rebuild it, and the result must equal the first run's.
    /// </summary>
    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("sidecar-deleted")]
    public void A_corrupt_fp16_cache_entry_is_detected_and_rebuilt_in_core(string damage)
    {
        using var dir = new TempDir();
        var log = new ConcurrentBag<string>();
        string model = FixtureModels.Plumbing(dir.File("plumbing.onnx"));
        var gray = TestImages.Gray(64, 48);
        BgraImage Run()
        {
            using var sessions = new SessionCache(); // a fresh process, as far as sessions go
            var factory = new EngineFactory(new CacheStore(dir.File("cache"), log.Add), log.Add, sessions);
            var m = OnnxChromaModel.Load(model, choice: new EngineChoice { Device = DeviceRequest.Cpu, Precision = Precision.Fp16 }, factory: factory);
            Assert.Contains("FP16", m.Description, StringComparison.OrdinalIgnoreCase);
            var result = new BgraImage(gray.Width, gray.Height);
            new Colorizer(m).Colorize(gray, result, null, Settings);
            return result;
        }

        var first = Run();
        string entry = Assert.Single(Directory.GetFiles(dir.File("cache"), "model.fp16.onnx", SearchOption.AllDirectories));
        Damage(entry, damage);
        var second = Run();
        output.WriteLine(string.Join("\n", log));
        Assert.Contains(log, l => l.Contains("corrupt") && l.Contains("rebuilding"));
        Assert.True(CacheStore.IsIntact(entry), "the rebuilt entry does not match its hash");
        InvariantTests.AssertBitExact(first, second, "after the rebuild");
    }

    [Fact]
    public void A_corrupt_fp16_cache_entry_is_rebuilt_by_the_cli_and_a_corrupt_int8_calibration_is_a_model_problem()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("plumbing.onnx"));
        string input = dir.File("in.png"), outPath = dir.File("out.png"), cache = dir.File("cache");
        ImageCodec.Save(TestImages.Gray(64, 48), input);
        CliResult Colorize(params string[] extra) => CliProcess.Run(dir.Path, fixture.UserModels, cache, CliTimeout,
            ["colorize", input, "-o", outPath, "--model", model, "--device", "cpu", "--detail", "global", "--size", "64", .. extra]);

        var first = Colorize("--precision", "fp16");
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstImage = ImageCodec.Load(outPath);
        string entry = Assert.Single(Directory.GetFiles(cache, "model.fp16.onnx", SearchOption.AllDirectories));
        Damage(entry, "garbage");
        File.Delete(outPath);
        var second = Colorize("--precision", "fp16");
        output.WriteLine($"fp16 after a corrupt cache entry: {second}");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("corrupt", second.Stderr + second.Stdout);
        Assert.True(CacheStore.IsIntact(entry));
        InvariantTests.AssertBitExact(firstImage, ImageCodec.Load(outPath), "CLI output after the rebuild");

        // An INT8 calibration whose QDQ model is garbage: exit 3, a model-problem message, nothing written.
        string calibration = dir.File("calibration");
        Directory.CreateDirectory(calibration);
        File.WriteAllBytes(Path.Combine(calibration, CalibrationFiles.QdqModel), Encoding.ASCII.GetBytes(new string('x', 5000)));
        File.Delete(outPath);
        var int8 = Colorize("--precision", "int8", "--calibration", calibration);
        output.WriteLine($"int8 with a garbage calibration: {int8}");
        Assert.True(int8.ExitCode == ExitCodes.ModelProblem, int8.ToString());
        Assert.StartsWith("pdncolorize: model problem", int8.Stderr.Trim());
        Assert.False(File.Exists(outPath));

        // INT8 with no calibration at all: also a model problem, naming the fix.
        var missing = Colorize("--precision", "int8", "--calibration", dir.File("no-such-calibration"));
        output.WriteLine($"int8 without a calibration: {missing}");
        Assert.True(missing.ExitCode == ExitCodes.ModelProblem, missing.ToString());
        Assert.Contains("pdncolorize calibrate", missing.Stderr);
        Assert.False(File.Exists(outPath));
    }

    private static void Damage(string path, string how)
    {
        switch (how)
        {
            case "garbage":
                var junk = new byte[new FileInfo(path).Length];
                new Random(5).NextBytes(junk);
                File.WriteAllBytes(path, junk);
                break;
            case "truncated":
                var bytes = File.ReadAllBytes(path);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "sidecar-deleted":
                File.Delete(path + ".sha256");
                File.WriteAllBytes(path, new byte[10]);
                break;
        }
    }

    private static string Summary(string title, IEnumerable<(string Kind, Outcome Outcome)> results)
    {
        var list = results.ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"corpus summary, {title}: {list.Count} cases");
        sb.AppendLine($"  {"kind",-16} {"cases",5} {"ok(0)",6} {"bad(2)",7} {"model(3)",9}");
        foreach (var g in list.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.AppendLine($"  {g.Key,-16} {g.Count(),5} {g.Count(r => r.Outcome == Outcome.Ok),6} {g.Count(r => r.Outcome == Outcome.BadInput),7} {g.Count(r => r.Outcome == Outcome.ModelProblem),9}");
        sb.Append($"  {"total",-16} {list.Count,5} {list.Count(r => r.Outcome == Outcome.Ok),6} {list.Count(r => r.Outcome == Outcome.BadInput),7} {list.Count(r => r.Outcome == Outcome.ModelProblem),9}");
        return sb.ToString();
    }

    private static string Trim(string s) => s.Length > 110 ? s[..110] + "..." : s;
}
