using PdnColorize.Engines;
using PdnColorize.Installer.Downloads;

namespace PdnColorize.Installer;

/// <summary>Exit codes of pdncolorize-setup. 0-3 mean what they mean for pdncolorize (docs/architecture.md); 4 is ours.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Anything else: a download that kept failing, files in use, a damaged install (status).</summary>
    public const int Other = 1;
    /// <summary>Bad arguments or input: not a Paint.NET folder, no payload, unknown model id. Nothing was changed.</summary>
    public const int BadInput = 2;
    /// <summary>A model (or downloaded file) failed its SHA-256 or the I/O contract. Nothing was kept.</summary>
    public const int ModelProblem = 3;
    /// <summary>The target folder needs administrator rights (install.ps1 re-runs the installer elevated on this code).</summary>
    public const int NeedsElevation = 4;
}

/// <summary>An argument or input the user can fix; exit code 2.</summary>
public class UsageException(string message) : Exception(message);

/// <summary>The folder is not writable for this user (typically Program Files without elevation); exit code 4.</summary>
public sealed class ElevationRequiredException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A failure the user must act on (files in use, another installer running, damaged download); exit code 1.</summary>
public sealed class SetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Turns an exception into an exit code and a one-line message.</summary>
public static class ErrorReport
{
    public static (int Code, string Message) Classify(Exception e) => e switch
    {
        UsageException => (ExitCodes.BadInput, e.Message),
        ModelContractException => (ExitCodes.ModelProblem, $"model problem: {e.Message}"),
        HashMismatchException => (ExitCodes.ModelProblem, e.Message),
        ElevationRequiredException => (ExitCodes.NeedsElevation, e.Message),
        SetupException => (ExitCodes.Other, e.Message),
        DownloadException => (ExitCodes.Other, e.Message),
        OperationCanceledException => (ExitCodes.Other, "cancelled; nothing half-done was left in place."),
        _ => (ExitCodes.Other, $"unexpected error ({e.GetType().Name}): {FirstLine(e.Message)}"),
    };

    public static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
