using System.Reflection;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>The effect's seams: models, device advice, the answer cache. Paint.NET gets <see cref="Default"/>.</summary>
public sealed record EffectServices(IModelProvider Models, IExecutionAdvisor Advisor, ChromaCache Cache)
{
    /// <summary>What the engine said during the last render (shown on the next dialog's Runs-on line).</summary>
    public RenderNotes LastRender { get; } = new();

    /// <summary>The models opened so far in this process (the dialog's "first use" note is for the others).</summary>
    public PreparedModels Prepared { get; } = new();

    private static readonly Lazy<EffectServices> Shared = new(() =>
        new EffectServices(new StoreModelProvider(), ProbeExecutionAdvisor.CreateDefault(), ChromaCache.Shared));

    public static EffectServices Default => Shared.Value;
}

/// <summary>Whether this assembly was built against Paint.NET's own DLLs or the compile facade (which must never ship).</summary>
public static class BuildInfo
{
    public const string MetadataKey = "PdnColorize.PaintDotNet.Build";
    public const string FacadeValue = "facade";

    public static string Kind =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == MetadataKey)?.Value ?? "unknown";

    public static bool IsFacadeBuild => Kind == FacadeValue;
}

/// <summary>
/// The engine's notes from the most recent render (a GPU that ran out of memory and finished on the CPU, a precision
/// that produced NaN and was rerun at FP32). Paint.NET's dialog text cannot change after it opens, so the next dialog
/// says it on its Runs-on line.
/// </summary>
public sealed class RenderNotes
{
    private volatile string? _text;

    public string? Text => _text;

    public void Record(IReadOnlyList<string> notes) => _text = notes.Count == 0 ? null : notes[^1];
}
