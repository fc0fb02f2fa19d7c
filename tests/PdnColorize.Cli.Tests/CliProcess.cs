using System.Diagnostics;

namespace PdnColorize.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the real <c>pdncolorize</c> (the build copied beside this test assembly) as a child process.</summary>
public static class CliProcess
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "pdncolorize.dll");

    private static string DotnetHost
    {
        get
        {
            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    /// <param name="userModels">The PDNCOLORIZE_MODELS folder the CLI sees (isolates the tests from the machine's models).</param>
    public static CliResult Run(string workingDirectory, string userModels, params string[] args)
    {
        if (!File.Exists(Dll)) throw new FileNotFoundException("pdncolorize.dll is not beside the tests; build the CLI first", Dll);
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PDNCOLORIZE_MODELS"] = userModels;
        // Converted models, calibrations and the unsafe-precision list go beside the user models, not the machine's cache.
        start.Environment["PDNCOLORIZE_CACHE"] = Path.Combine(userModels, "..", "cache");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("PDNCOLORIZE_DEBUG");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pdncolorize {string.Join(' ', args)} did not finish in 90 s");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
