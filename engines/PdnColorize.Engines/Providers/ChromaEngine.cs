using System.Numerics.Tensors;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// A session chosen by the ladder, guarded: an FP16 or INT8 result holding NaN or infinity is thrown away, the same
/// input rerun at FP32 on the same provider, and the combination remembered as unsafe so the next run starts at FP32.
/// </summary>
public sealed class ChromaEngine
{
    private readonly Func<ChromaSession> _openFp32;
    private readonly Action<string> _note;
    private readonly UnsafePrecisions _unsafe;
    private readonly string _modelSha;
    private ChromaSession _session;

    internal ChromaEngine(ChromaSession session, IReadOnlyList<ProviderAttempt> attempts, Func<ChromaSession> openFp32,
        UnsafePrecisions unsafePrecisions, string modelSha, Action<string> note, IReadOnlyList<string> notes)
    {
        _session = session;
        Attempts = attempts;
        _openFp32 = openFp32;
        _unsafe = unsafePrecisions;
        _modelSha = modelSha;
        _note = note;
        Notes = notes.ToList();
    }

    public IReadOnlyList<ProviderAttempt> Attempts { get; }
    public List<string> Notes { get; }
    public ChromaSession Session => _session;
    public ProviderKind Provider => _session.Provider;
    public Precision Precision => _session.Precision;
    public ModelSignature Signature => _session.Signature;

    /// <summary>One line for the user: device, precision and why earlier rungs were skipped.</summary>
    public string Summary
    {
        get
        {
            string skipped = string.Join("; ", Attempts.Where(a => !a.Succeeded).Select(a => $"{a.Provider.Label()} skipped: {a.Detail}"));
            return $"{Provider.Label()} {Precision.Label()}" + (skipped.Length > 0 ? $" ({skipped})" : "");
        }
    }

    public void Run(float[] input, int batch, int height, int width, Span<float> output, CancellationToken cancellation = default)
    {
        _session.Run(input, batch, height, width, output, cancellation);
        if (_session.Precision == Precision.Fp32 || TensorPrimitives.IsFiniteAll<float>(output)) return;

        string message = $"{_session.Precision.Label()} on {_session.Provider.Label()} produced NaN/Inf for this model; rerunning at FP32 and using FP32 from now on.";
        _unsafe.MarkUnsafe(_modelSha, _session.Precision, _session.Provider);
        Notes.Add(message);
        _note(message);
        _session = _openFp32();
        _session.Run(input, batch, height, width, output, cancellation);
    }
}
