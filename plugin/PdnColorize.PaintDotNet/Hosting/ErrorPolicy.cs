using Microsoft.ML.OnnxRuntime;
using PdnColorize.Core.Pipeline;
using PdnColorize.Engines;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// How failures reach the user: cancellation is not an error (nothing is written); everything else is shown, once,
/// with a sentence that says what to do. Never a silently blank or unchanged layer.
/// </summary>
public static class ErrorPolicy
{
    public const string Headline = "Colorize (AI) could not colourise the image; the layer was left unchanged.";

    public static bool IsCancellation(Exception e) => Unwrap(e) is OperationCanceledException;

    public static Exception Unwrap(Exception e)
    {
        while (e is TypeInitializationException or AggregateException { InnerExceptions.Count: 1 } && e.InnerException is { } inner)
            e = inner;
        return e;
    }

    /// <summary>The message for the error dialog (the exception itself goes along as details).</summary>
    public static string Describe(Exception error)
    {
        var e = Unwrap(error);
        string advice = e switch
        {
            ModelContractException => $"The model cannot be used: {e.Message}",
            DllNotFoundException or EntryPointNotFoundException or BadImageFormatException =>
                $"ONNX Runtime could not be loaded ({NativeRuntime.Status}). Reinstall PdnColorize; an older onnxruntime.dll " +
                $"elsewhere on this PC may be interfering. {e.Message}",
            ModelOutputException => $"{e.Message} Choose FP32 precision (or the CPU device) and try again.",
            OnnxRuntimeException => $"ONNX Runtime failed while running the model: {e.Message} Try Device = CPU or Precision = FP32.",
            OutOfMemoryException or InsufficientMemoryException =>
                "There is not enough memory. Select a smaller area, close other images, or choose the CPU device.",
            ArgumentException => $"These settings cannot be used: {e.Message}",
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        return Headline + Environment.NewLine + advice;
    }
}
