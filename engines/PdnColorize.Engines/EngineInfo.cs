using Microsoft.ML.OnnxRuntime;
using PdnColorize.Engines.Providers;

namespace PdnColorize.Engines;

/// <summary>One execution provider and whether it can be used here, with the reason when it cannot.</summary>
public sealed record ProviderStatus(string Name, bool Usable, string Detail);

/// <summary>What `doctor` reports about ONNX Runtime on this machine.</summary>
public static class EngineInfo
{
    public static string OrtVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Providers compiled into the loaded ORT library.</summary>
    public static IReadOnlyList<string> CompiledProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>
    /// Tries each provider the way a session would (fresh options, inside try/catch: in ORT 1.31 even creating
    /// provider options throws when the provider's libraries are absent) and says why each one that fails fails.
    /// </summary>
    public static IReadOnlyList<ProviderStatus> ProbeProviders()
    {
        var compiled = CompiledProviders;
        return new[]
        {
            Probe(ProviderKind.TensorRt, "TensorrtExecutionProvider", compiled, o => o.AppendExecutionProvider_Tensorrt(0)),
            Probe(ProviderKind.Cuda, "CUDAExecutionProvider", compiled, o => o.AppendExecutionProvider_CUDA(0)),
            new ProviderStatus("CPU", true, "always available"),
        };
    }

    private static ProviderStatus Probe(ProviderKind kind, string ortName, IReadOnlyList<string> compiled, Action<SessionOptions> append)
    {
        string name = kind.Label();
        if (!compiled.Contains(ortName))
            return new ProviderStatus(name, false, $"this ONNX Runtime build has no {name} provider (install the GPU runtime)");
        try
        {
            using var options = new SessionOptions();
            append(options);
            return new ProviderStatus(name, true, "provider library loaded");
        }
        catch (Exception e)
        {
            return new ProviderStatus(name, false, ProviderFailure.Explain(kind, e)); // the same words as the ladder's
        }
    }
}
