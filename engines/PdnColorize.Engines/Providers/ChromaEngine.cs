using System.Numerics.Tensors;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// A session chosen by the ladder, guarded: an FP16 or INT8 result holding NaN or infinity is thrown away, the same
/// input rerun at FP32 on the same provider, and the combination remembered as unsafe so the next run starts at FP32.
/// </summary>
public sealed class ChromaEngine
{
    private readonly Func<ChromaSession> _openFp32;
    private readonly Func<ChromaSession>? _openCpu;
    private readonly Action<string> _note;
    private readonly UnsafePrecisions _unsafe;
    private readonly string _modelSha;
    private ChromaSession _session;

    internal ChromaEngine(ChromaSession session, IReadOnlyList<ProviderAttempt> attempts, Func<ChromaSession> openFp32,
        UnsafePrecisions unsafePrecisions, string modelSha, Action<string> note, IReadOnlyList<string> notes, Func<ChromaSession>? openCpu = null)
    {
        _openCpu = openCpu;
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

    /// <summary>SHA-256 of the source model's bytes (cache keys).</summary>
    public string ModelSha => _modelSha;

    /// <summary>The GPU index the session runs on (meaningless on the CPU).</summary>
    public int DeviceId { get; init; }

    /// <summary>Provider options that change memory use (the user's overrides), as one string for cache keys.</summary>
    public string OptionsTag { get; init; } = "";

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
        RunOrFallBack(input, batch, height, width, output, cancellation);
        if (_session.Precision == Precision.Fp32 || TensorPrimitives.IsFiniteAll<float>(output)) return;

        string message = $"{_session.Precision.Label()} on {_session.Provider.Label()} produced NaN/Inf for this model; rerunning at FP32 and using FP32 from now on.";
        _unsafe.MarkUnsafe(_modelSha, _session.Precision, _session.Provider);
        Notes.Add(message);
        _note(message);
        _session = _openFp32();
        RunOrFallBack(input, batch, height, width, output, cancellation);
    }

    /// <summary>
    /// Runs on the current session; when the GPU runs out of memory (the arena cap from --vram-budget, or a card
    /// shared with other programs) the run is repeated on the CPU and the rest of the job stays there: slower, but
    /// the user gets a picture and a clear word instead of a crash. Not remembered: the next job may have more memory.
    /// </summary>
    private void RunOrFallBack(float[] input, int batch, int height, int width, Span<float> output, CancellationToken cancellation)
    {
        try
        {
            _session.Run(input, batch, height, width, output, cancellation);
        }
        catch (Exception e) when (_session.Provider.IsGpu() && _openCpu is not null && GpuErrors.IsOutOfMemory(e) && !cancellation.IsCancellationRequested)
        {
            // First once more on the GPU with the arena's free regions given back (a failed run can leave it in
            // pieces), then the CPU.
            _session.ReleaseArena();
            try
            {
                _session.Run(input, batch, height, width, output, cancellation);
                return;
            }
            catch (Exception again) when (GpuErrors.IsOutOfMemory(again) && !cancellation.IsCancellationRequested)
            {
            }
            string message = $"the GPU ran out of memory ({_session.Provider.Label()} {_session.Precision.Label()}, {batch}x{width}x{height}); continuing on the CPU (a larger VRAM budget, or closing other programs that use the GPU, keeps it there).";
            Notes.Add(message);
            _note(message);
            _session = _openCpu();
            _session.Run(input, batch, height, width, output, cancellation);
        }
    }
}
