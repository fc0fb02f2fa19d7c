using System.Reflection;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>The effect's seams: models, device advice, the answer cache. Paint.NET gets <see cref="Default"/>.</summary>
public sealed record EffectServices(IModelProvider Models, IExecutionAdvisor Advisor, ChromaCache Cache)
{
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
