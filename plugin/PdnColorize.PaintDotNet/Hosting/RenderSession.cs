using System.Runtime.ExceptionServices;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// The host-neutral half of one effect instance: turns (settings, document) into the model's answer exactly once
/// (through the shared <see cref="ChromaCache"/>), remembers a failure so that the other tiles of the same render do
/// not run the model again, and lets one error report through per (settings, error).
/// </summary>
public sealed class RenderSession(EffectServices services)
{
    private readonly object _gate = new();
    private readonly Dictionary<PixelRect, ulong> _fingerprints = new();
    private readonly HashSet<string> _reported = new();
    private (PredictionKey Key, ChromaField Chroma)? _last;
    private (PredictionKey Key, ExceptionDispatchInfo Error)? _failed;
    private IReadOnlyList<ModelChoice>? _models;

    public EffectServices Services { get; } = services;

    /// <summary>The installed models, read once per effect instance.</summary>
    public IReadOnlyList<ModelChoice> Models => _models ??= Services.Models.List();

    /// <summary>The dialog's read-only line: what Auto will run on, and why not the GPU.</summary>
    public string DescribeExecution()
    {
        try
        {
            string plan = Services.Advisor.Plan(DeviceChoice.Auto, PrecisionChoice.Auto).Describe();
            return Services.LastRender.Text is { } last ? $"{plan}. Last render: {last}" : plan;
        }
        catch (Exception e) { return ErrorPolicy.Describe(e); }
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
    /// returns the background work: open the model, predict on the copy, put the answer back in document coordinates.
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
            var model = Services.Models.Open(settings.ModelId, plan);
            var chroma = new Colorizer(model).Predict(copy, null, settings.ToCore(), token);
            Services.LastRender.Record(model.Notes);
            var r = chroma.Region;
            return chroma with { Region = new PixelRect(roi.X + r.X, roi.Y + r.Y, r.Width, r.Height) };
        };
    }
}
