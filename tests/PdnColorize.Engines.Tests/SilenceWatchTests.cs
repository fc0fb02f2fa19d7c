using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Diagnostics;
using PdnColorize.Engines.Providers;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

/// <summary>A step of opening a model that keeps the log silent past the limit says what it does, once.</summary>
public sealed class SilenceWatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(150);
    /// <summary>How long a slow step waits for its line at most (timers run late on a loaded machine).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private sealed class Lines
    {
        private readonly List<string> _lines = new();
        public void Add(string line) { lock (_lines) _lines.Add(line); }
        public string[] All { get { lock (_lines) return _lines.ToArray(); } }
        public bool WaitFor(int count) => SpinWait.SpinUntil(() => All.Length >= count, Patience);
    }

    [Fact]
    public void A_slow_step_is_announced_once_and_a_quick_one_not_at_all()
    {
        var lines = new Lines();
        var watch = new SilenceWatch(lines.Add, Limit);
        using (watch.During("quick")) { }
        using (watch.During("slow")) Assert.True(lines.WaitFor(1)); // a step that lasts until it is announced
        Thread.Sleep(Limit * 2); // a finished step says nothing later
        Assert.Equal(["slow"], lines.All);
    }

    [Fact]
    public void A_step_whose_own_line_was_just_printed_waits_for_a_new_silence()
    {
        var lines = new Lines();
        var watch = new SilenceWatch(lines.Add, TimeSpan.FromMilliseconds(400));
        using (watch.During("opening"))
        {
            Thread.Sleep(200);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            watch.Log("converting m.onnx to FP16 (once; cached)");
            Thread.Sleep(200);
            var seen = lines.All;
            if (clock.Elapsed < watch.Limit) // unless the machine stalled: within the limit of the last line, still quiet
                Assert.Equal(["converting m.onnx to FP16 (once; cached)"], seen);
            Assert.True(lines.WaitFor(2));
        }
        Assert.Equal(["converting m.onnx to FP16 (once; cached)", "opening"], lines.All);
    }

    [Fact]
    public void Opening_a_session_that_takes_longer_than_the_limit_prints_one_line_naming_model_provider_and_precision()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var lines = new Lines();
        using var sessions = new SessionCache();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), lines.Add, sessions, () => ["CPUExecutionProvider"],
            open: (kind, req, settings) => { lines.WaitFor(1); return sessions.Get(req.ModelPath, kind, settings); }, // slow until announced
            quietLimit: Limit);
        factory.Open(new EngineRequest { ModelPath = model, Device = DeviceRequest.Cpu });
        Assert.Equal(["opening m.onnx on CPU at FP32"], lines.All);

        var quick = new EngineFactory(new CacheStore(dir.File("cache")), lines.Add, sessions, () => ["CPUExecutionProvider"], quietLimit: Limit);
        quick.Open(new EngineRequest { ModelPath = model, Device = DeviceRequest.Cpu }); // the session is cached: nothing to say
        Thread.Sleep(Limit * 2);
        Assert.Single(lines.All);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_GPU_session_asked_to_warm_up_runs_once_while_it_opens_under_its_own_line(bool warmUp)
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var lines = new Lines();
        int runs = 0;
        using var sessions = new SessionCache();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), lines.Add, sessions, () => ["CUDAExecutionProvider", "CPUExecutionProvider"],
            open: (kind, req, settings) => ChromaSession.OpenFaulty(req.ModelPath, kind, settings.Precision, () =>
            {
                runs++;
                SpinWait.SpinUntil(() => lines.All.Any(l => l.StartsWith("a first run")), Patience); // slow until announced
                return null;
            }), quietLimit: Limit);
        factory.Open(new EngineRequest { ModelPath = model, Precision = Precision.Fp32, Device = DeviceRequest.Cuda, WarmUp = warmUp });
        Assert.Equal(warmUp ? 1 : 0, runs);
        Assert.Equal(warmUp, lines.All.Contains("a first run of m.onnx on the CUDA GPU (kernels and cuDNN set up once per session)"));
    }
}
