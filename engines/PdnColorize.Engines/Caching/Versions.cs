using Microsoft.ML.OnnxRuntime;

namespace PdnColorize.Engines.Caching;

/// <summary>Versions that change derived artefacts and so belong in cache keys.</summary>
public static class Versions
{
    private static readonly Lazy<string> OrtVersion = new(() =>
    {
        try { return OrtEnv.Instance().GetVersionString(); }
        catch (Exception) { return "unknown"; }
    });

    public static string Ort => OrtVersion.Value;
}
