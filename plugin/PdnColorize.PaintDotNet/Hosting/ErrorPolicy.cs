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
    /// <summary>
    /// Through the host's error dialog only on a thread that can show one (a UI thread: it has a
    /// SynchronizationContext) and when the host offers the service; otherwise the error is thrown for the host to report.
    /// </summary>
    public static ErrorRoute Route(bool onUiThread, bool hasDialogService) =>
        onUiThread && hasDialogService ? ErrorRoute.Dialog : ErrorRoute.Throw;

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

/// <summary>How one render error reaches the user.</summary>
public enum ErrorRoute
{
    /// <summary>Shown once through the host's error dialog; the render writes the source unchanged.</summary>
    Dialog,
    /// <summary>Thrown from the render: the host stops it, keeps the layer and shows its own error report.</summary>
    Throw,
}

/// <summary>A render error on its way to Paint.NET's effect-error report: the message says what happened and what to do.</summary>
public sealed class ColorizeException(string message, Exception inner) : Exception(message, inner);
