using System.Globalization;
using PdnColorize.Engines.Caching;

namespace PdnColorize.Engines.Gpu;

/// <summary>One probe run's work and what it peaked at (MiB this process held, context included).</summary>
public sealed record ProbeReading(int Batch, int Size, double PeakMiB, bool Failed = false);

/// <summary>A fitted memory model and how it was obtained.</summary>
/// <param name="IdleMiB">What the process held before the probes: context, libraries, weights (the model's base).</param>
public sealed record MemoryProfile(MemoryModel Model, IReadOnlyList<ProbeReading> Readings, bool FromCache, double ProbeMs, double IdleMiB = double.NaN)
{
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        string head = string.Create(inv, $"memory model {Model.BaseMiB:F0} MiB + {Model.MiBPerMegapixel:F0} MiB/MP");
        if (FromCache) return head + " (cached)";
        var runs = Readings.Select(r => r.Failed
            ? string.Create(inv, $"{r.Batch}x{r.Size}px ran out of memory")
            : string.Create(inv, $"{r.Batch}x{r.Size}px {r.PeakMiB:F0} MiB"));
        return head + string.Create(inv, $" from {Readings.Count} probe(s) in {ProbeMs:F0} ms: idle {IdleMiB:F0} MiB, ") + string.Join(", ", runs);
    }
}

/// <summary>
/// Fits the planner's memory model (peak = base + k * N * S^2) from what the session holds idle and two short probes of
/// the real session, smaller work first (ORT's arena keeps what the first took, so the second peak includes it, as a
/// real run would), and caches the fit per model content, precision, provider options, ORT version and GPU so later
/// runs skip the probes.
/// </summary>
/// <param name="recover">Called after a probe ran out of memory (release the arena's free regions before going on).</param>
public sealed class MemoryProfiler(CacheStore cache, IVramMeter meter, Action<string>? log = null, Action? recover = null)
{
    /// <summary>Bump when the probe method changes: cached fits of an older method are not reused.</summary>
    public const string MethodVersion = "mem-5";

    /// <summary>
    /// ORT's arena grows by doubling its last extension, so a run may leave up to twice what it uses reserved, and the
    /// two probes see that staircase rather than the true slope: on the H200 the fitted line alone under-predicted later
    /// (batch, size) points by up to 1.59x, and k doubled bounded every measured point (docs/performance.md).
    /// </summary>
    public const double ArenaHeadroom = 2.0;

    private const string FileName = "memory-model.json";
    private readonly Action<string> _log = log ?? (_ => { });

    /// <summary>
    /// The two works to probe for a model taking <paramref name="size"/>: a second image (N = 2) when the batch is free,
    /// else a doubled side when the size is free, else only the one shape the model runs (the only work the planner can ask).
    /// </summary>
    public static IReadOnlyList<(int Batch, int Size)> ProbeWorks(ModelSignature signature, int size)
    {
        if (signature.FixedBatch is null) return [(1, size), (2, size)];
        if (signature.DynamicSize) return [(1, size), (1, 2 * size)];
        return [(1, size)];
    }

    /// <summary>The cached fit, or a fresh one from probes through <paramref name="run"/> (batch, size).</summary>
    /// <param name="capMiB">The user's cap, if any: a probe that runs out of memory under it is read as needing just over it.</param>
    public MemoryProfile GetOrProbe(CacheKey key, ModelSignature signature, int size, Action<int, int> run, double? capMiB = null)
    {
        string path = Path.Combine(cache.Folder(key), FileName);
        if (File.Exists(path) && CacheStore.IsIntact(path) && MemoryModel.FromJson(File.ReadAllText(path)) is { } cached)
            return new MemoryProfile(cached, [], true, 0);

        _log($"measuring the GPU memory the model takes at {size}px ({ProbeWorks(signature, size).Count} probe runs; once per model and card; cached)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double idle = meter.PeakMiBDuring(() => { });
        var readings = new List<ProbeReading>();
        foreach (var (batch, s) in ProbeWorks(signature, size))
        {
            try
            {
                readings.Add(new ProbeReading(batch, s, meter.PeakMiBDuring(() => run(batch, s))));
            }
            catch (Exception e) when (Providers.GpuErrors.IsOutOfMemory(e))
            {
                // The probe did not run (ORT's out-of-memory under the arena limit or the card's size): read it as
                // needing more than the cap, so the planner keeps to the work that did run, or to none on the GPU.
                double ran = readings.Count > 0 ? readings[0].PeakMiB : 0;
                double over = Math.Max(ran, capMiB ?? meter.AvailableMiB()) + 1;
                _log($"memory probe {batch}x{s}px ran out of memory ({FirstLine(e.Message)}); reading it as {over:F0} MiB");
                readings.Add(new ProbeReading(batch, s, over, Failed: true));
                recover?.Invoke(); // a failed run can leave the arena in pieces that the next real run cannot use
                break; // larger work would fail too
            }
        }
        var model = Fit(idle, readings);
        var profile = new MemoryProfile(model, readings, false, clock.Elapsed.TotalMilliseconds, idle);
        _log(profile.Describe());
        if (!readings.Any(r => r.Failed)) // a failed probe depends on the cap of this run: not for reuse
            cache.GetOrBuild(key, FileName, temp => File.WriteAllText(temp, model.ToJson()));
        return profile;
    }

    /// <summary>
    /// base = what the session held idle; k = the steepest growth the readings show (from idle to each reading, and
    /// between readings) times <see cref="ArenaHeadroom"/>. Probed work is answered with what it measured. Two readings
    /// on one step of the arena's staircase have no slope between them, which is why idle anchors the line (the
    /// embedded model at 1x512 and 2x512 both read 1701 MiB on the H200; 4x512 took 2723). A failed reading stands
    /// for "just over the cap", so its work is predicted over the cap.
    /// </summary>
    public static MemoryModel Fit(double idleMiB, IReadOnlyList<ProbeReading> readings)
    {
        if (readings.Count == 0) throw new ArgumentException("no probe readings");
        static double Mp(ProbeReading r) => r.Batch * (double)r.Size * r.Size / 1e6;
        double k = readings.Max(r => (r.PeakMiB - idleMiB) / Mp(r));
        for (int i = 1; i < readings.Count; i++)
            if (Mp(readings[i]) > Mp(readings[i - 1]))
                k = Math.Max(k, (readings[i].PeakMiB - readings[i - 1].PeakMiB) / (Mp(readings[i]) - Mp(readings[i - 1])));
        var measured = readings.Where(r => !r.Failed).ToList();
        return new MemoryModel(idleMiB, Math.Max(0, k) * ArenaHeadroom, measured);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
