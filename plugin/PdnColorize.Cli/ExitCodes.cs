using Microsoft.ML.OnnxRuntime;
using PdnColorize.Core.Pipeline;
using PdnColorize.Engines;
using PdnColorize.Engines.Providers;
using PdnColorize.Imaging;

namespace PdnColorize.Cli;

/// <summary>The process exit codes (fixed: docs/architecture.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Something else went wrong; for batch and eval: some files failed while others succeeded.</summary>
    public const int Other = 1;
    /// <summary>Bad input or arguments: nothing was written.</summary>
    public const int BadInput = 2;
    /// <summary>The model is missing, does not honour the I/O contract, or produced no usable colours.</summary>
    public const int ModelProblem = 3;
    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it); what was finished is kept.</summary>
    public const int Cancelled = 130;
}

/// <summary>An argument or input the user can fix; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The one place that turns an exception into an exit code and a one-line message.</summary>
public static class ErrorReport
{
    public static (int Code, string Message) Classify(Exception e) => e switch
    {
        UsageException => (ExitCodes.BadInput, e.Message),
        AlreadyInColourException => (ExitCodes.BadInput, e.Message),
        ImageFileException => (ExitCodes.BadInput, e.Message),
        ModelContractException => (ExitCodes.ModelProblem, $"model problem: {e.Message}"),
        ModelOutputException => (ExitCodes.ModelProblem, $"model problem: {e.Message}"),
        CalibrationMissingException => (ExitCodes.ModelProblem, $"model problem: {e.Message}"),
        ProviderUnavailableException p => (ExitCodes.BadInput,
            $"the requested device cannot be used here: {string.Join("; ", p.Attempts.Select(a => $"{a.Provider.Label()}: {a.Detail}"))}. Use --device auto to fall back to the CPU."),
        OnnxRuntimeException => (ExitCodes.ModelProblem, $"model problem: ONNX Runtime failed: {FirstLine(e.Message)}"),
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled; nothing was written."),
        _ => (ExitCodes.Other, $"unexpected error ({e.GetType().Name}): {FirstLine(e.Message)}"),
    };

    /// <summary>True for failures of one file that a batch should record and move past.</summary>
    public static bool IsPerFile(Exception e) => Classify(e).Code != ExitCodes.ModelProblem && e is not OperationCanceledException;

    /// <summary>Writes the message to stderr and returns the exit code.</summary>
    public static int Report(Exception e)
    {
        var (code, message) = Classify(e);
        Console.Error.WriteLine($"pdncolorize: {message}");
        if (code == ExitCodes.Other && Environment.GetEnvironmentVariable("PDNCOLORIZE_DEBUG") is { Length: > 0 })
            Console.Error.WriteLine(e);
        return code;
    }

    public static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
