using System.Runtime.ExceptionServices;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// The host-neutral half of one effect instance: turns (settings, document) into the model's answer exactly once
/// (through the shared <see cref="ChromaCache"/>), remembers a failure so that the other tiles of the same render do
/// not run the model again, and lets one error report through per (settings, error). It keeps the chosen model
/// opening in the background (<see cref="ModelPreparation"/>) from the moment the choice is known, so the first
/// render reuses it.
/// </summary>
public sealed class RenderSession(EffectServices services) : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<PixelRect, ulong> _fingerprints = new();
    private readonly HashSet<string> _reported = new();
    private (PredictionKey Key, ChromaField Chroma)? _last;
    private (PredictionKey Key, ExceptionDispatchInfo Error)? _failed;
    private IReadOnlyList<ModelChoice>? _models;
    private ModelPreparation? _preparation;
    private bool _disposed;

    public EffectServices Services { get; } = services;

    /// <summary>The installed models, read once per effect instance.</summary>
    public IReadOnlyList<ModelChoice> Models => _models ??= Services.Models.List();

    /// <summary>
    /// The dialog's read-only line: what Auto will run on, and why not the GPU; while the model being prepared has
    /// never been opened in this process, that it is being prepared (the first use may take seconds).
    /// </summary>
    public string DescribeExecution()
    {
        try
        {
            var auto = Services.Advisor.Plan(DeviceChoice.Auto, PrecisionChoice.Auto);
            string line = auto.Describe();
            ModelPreparation? preparing;
            lock (_gate) preparing = _preparation;
            if (preparing is { IsFinished: false } && !Services.Prepared.Contains(preparing.Key))
                line += preparing.Key is { Precision: PrecisionChoice.FP16, Device: not "CPU" }
                    ? "; preparing the GPU model (first use)" // converting to FP16 is the long part
                    : "; preparing the model (first use)";
            return Services.LastRender.Text is { } last ? $"{line}. Last render: {last}" : line;
        }
        catch (Exception e) { return ErrorPolicy.Describe(e); }
    }

    /// <summary>
    /// Starts opening the model these settings run, in the background, unless that one is already opening or open;
    /// a preparation for another model or precision is retired (cancelled, or its model disposed when done).
    /// Never throws: a failure is met again, and reported, by the render that needs the model.
    /// </summary>
    public void PrepareModel(EffectSettings settings)
    {
        try { Preparation(settings.ModelId, Services.Advisor.Plan(settings.Device, settings.Precision)); }
        catch (Exception e) when (e is not OutOfMemoryException) { }
    }

    /// <summary>Cancels a preparation still running and disposes what it made (after any render that still uses it).</summary>
    public void Dispose()
    {
        ModelPreparation? last;
        lock (_gate)
        {
            _disposed = true;
            last = _preparation;
            _preparation = null;
        }
        last?.Retire(evenInUse: true);
    }

    private ModelPreparation Preparation(string modelId, ExecutionPlan plan)
    {
        var key = PreparedKey.For(modelId, plan);
        ModelPreparation? retired, current;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_preparation is { } p && p.Key == key && !p.Failed) return p;
            retired = _preparation;
            _preparation = current = new ModelPreparation(Services.Models, modelId, plan, Services.Prepared.Add);
        }
        retired?.Retire();
        return current;
    }

    /// <summary>The prepared model for this plan, borrowed for one run (started now when nothing prepared it).</summary>
    private ModelPreparation.Lease LeaseModel(string modelId, ExecutionPlan plan)
    {
        while (true)
            if (Preparation(modelId, plan).TryLease() is { } lease) return lease; // retired in between: take the next
    }

    /// <summary>
    /// The model's answer for the document, or null when nothing is to change (strength 0).
    /// </summary>
    /// <param name="image">The document's bounds.</param>
    /// <param name="selection">The selection's bounds; null when everything is selected.</param>
    /// <param name="lockSource">Locks a region of the document's pixels; called only while this method runs.</param>
    public ChromaField? GetChroma(EffectSettings settings, PixelRect image, PixelRect? selection,
        Func<PixelRect, PixelLease> lockSource, CancellationToken cancellation)
    {
        var core = settings.ToCore();
        if (core.Strength == 0) return null;
        var roi = RegionPlanner.RegionOfInterest(image, selection, core.ContextMargin, core.MinContextPixels);
        var key = new PredictionKey(settings.ModelKey, roi, Fingerprint(roi, lockSource, cancellation));
        lock (_gate)
        {
            if (_last is { } last && last.Key == key) return last.Chroma;
            if (_failed is { } failed && failed.Key == key) failed.Error.Throw();
        }
        try
        {
            var chroma = Services.Cache.GetOrCompute(key, () => Prepare(settings, roi, lockSource, cancellation), cancellation);
            lock (_gate) _last = (key, chroma);
            return chroma;
        }
        catch (Exception e) when (!ErrorPolicy.IsCancellation(e))
        {
            lock (_gate) _failed = (key, ExceptionDispatchInfo.Capture(e));
            throw;
        }
    }

    /// <summary>The host's source bitmap is another one: pixels seen so far may have changed.</summary>
    public void SourceChanged()
    {
        lock (_gate) _fingerprints.Clear();
    }

    /// <summary>True the first time an error is seen for these settings: the caller shows it; later tiles stay quiet.</summary>
    public bool ClaimErrorReport(EffectSettings settings, Exception error)
    {
        lock (_gate) return _reported.Add($"{settings}|{ErrorPolicy.Unwrap(error).GetType()}|{ErrorPolicy.Unwrap(error).Message}");
    }

    private ulong Fingerprint(PixelRect roi, Func<PixelRect, PixelLease> lockSource, CancellationToken cancellation)
    {
        lock (_gate)
            if (_fingerprints.TryGetValue(roi, out var known)) return known;
        ulong fingerprint;
        using (var lease = lockSource(roi)) fingerprint = ImageFingerprint.Of(lease.Image, roi, cancellation);
        lock (_gate) _fingerprints[roi] = fingerprint;
        return fingerprint;
    }

    /// <summary>
    /// Copies the region out of host memory (the run may outlive this render call and the host's lock), then
    /// returns the background work: take the prepared model (waiting for it), predict on the copy, put the answer back in document coordinates.
    /// </summary>
    private Func<CancellationToken, ChromaField> Prepare(EffectSettings settings, PixelRect roi,
        Func<PixelRect, PixelLease> lockSource, CancellationToken cancellation)
    {
        var copy = new BgraImage(roi.Width, roi.Height);
        using (var lease = lockSource(roi))
        {
            for (int y = 0; y < roi.Height; y++)
            {
                if ((y & 255) == 0) cancellation.ThrowIfCancellationRequested();
                lease.Image.Row(y).CopyTo(copy.Row(y));
            }
        }
        var plan = Services.Advisor.Plan(settings.Device, settings.Precision);
        return token =>
        {
            using var lease = LeaseModel(settings.ModelId, plan);
            var model = lease.Wait(token);
            ChromaField chroma;
            try
            {
                chroma = new Colorizer(model).Predict(copy, null, settings.ToCore(), token);
            }
            finally
            {
                // The answer is cached (strength, repeat effect and other tiles reuse it): Paint.NET stays open for
                // hours, so the GPU memory the run needed goes back now, not when Paint.NET exits.
                model.ReleaseWorkingMemory();
            }
            Services.LastRender.Record(model.Notes);
            var r = chroma.Region;
            return chroma with { Region = new PixelRect(roi.X + r.X, roi.Y + r.Y, r.Width, r.Height) };
        };
    }
}
