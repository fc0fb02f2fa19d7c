using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Diagnostics;
using PdnColorize.Engines.Providers;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

/// <summary>A step of opening a model that keeps the log silent past the limit says what it does, once.</summary>
public sealed class SilenceWatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(150);

    private sealed class Lines
    {
        private readonly List<string> _lines = new();
        public void Add(string line) { lock (_lines) _lines.Add(line); }
        public string[] All { get { lock (_lines) return _lines.ToArray(); } }
    }

    [Fact]
    public void A_slow_step_is_announced_once_and_a_quick_one_not_at_all()
    {
        var lines = new Lines();
        var watch = new SilenceWatch(lines.Add, Limit);
        using (watch.During("quick")) { }
        using (watch.During("slow")) Thread.Sleep(Limit * 5);
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
            watch.Log("converting m.onnx to FP16 (once; cached)");
            Thread.Sleep(300); // 300 ms after the step started, 300 ms after the last line: still within the limit
            Assert.Equal(["converting m.onnx to FP16 (once; cached)"], lines.All);
            Thread.Sleep(500);
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
            open: (kind, req, settings) => { Thread.Sleep(Limit * 5); return sessions.Get(req.ModelPath, kind, settings); },
            quietLimit: Limit);
        factory.Open(new EngineRequest { ModelPath = model, Device = DeviceRequest.Cpu });
        Assert.Equal(["opening m.onnx on CPU at FP32"], lines.All);

        var quick = new EngineFactory(new CacheStore(dir.File("cache")), lines.Add, sessions, () => ["CPUExecutionProvider"], quietLimit: Limit);
        quick.Open(new EngineRequest { ModelPath = model, Device = DeviceRequest.Cpu }); // the session is cached: nothing to say
        Thread.Sleep(Limit * 2);
        Assert.Single(lines.All);
    }
}
