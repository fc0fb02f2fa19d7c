using Microsoft.ML.OnnxRuntime;

namespace PdnColorize.Engines;

/// <summary>
/// Session options as every ONNX Runtime session of the product starts them. ORT logs warnings to stderr by default
/// ("Removing initializer ...", "Could not find a CPU kernel and hence can't constant fold ...", CUDA graph cautions):
/// to a user they read as faults in a run that went well, so only errors are printed, unless PDNCOLORIZE_DEBUG is set.
/// Every failure still surfaces as an exception with ORT's message.
/// </summary>
public static class OrtSessionOptions
{
    public static SessionOptions Create(GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL) => new()
    {
        GraphOptimizationLevel = level,
        LogSeverityLevel = Environment.GetEnvironmentVariable("PDNCOLORIZE_DEBUG") is { Length: > 0 }
            ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING
            : OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };
}
