using System.Diagnostics;

namespace PdnColorize.Tests.Shared;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the real <c>pdncolorize</c> (built beside this test assembly) as a child process, time-bounded.</summary>
public static class CliProcess
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "pdncolorize.dll");

    private static string DotnetHost =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>The CLI tests' form: caches beside the user models, 90 s to finish.</summary>
    public static CliResult Run(string workingDirectory, string userModels, params string[] args) =>
        Run(workingDirectory, userModels, Path.Combine(userModels, "..", "cache"), TimeSpan.FromSeconds(90), args);

    /// <param name="userModels">PDNCOLORIZE_MODELS for the child (isolates it from the machine's models).</param>
    /// <param name="cache">PDNCOLORIZE_CACHE for the child (converted models, calibrations, unsafe-precision list).</param>
    public static CliResult Run(string workingDirectory, string userModels, string cache, TimeSpan timeout, params string[] args) =>
        Run(workingDirectory, userModels, cache, timeout, null, args);

    /// <param name="environment">More variables for the child (e.g. DOTNET_PROCESSOR_COUNT, which the runtime takes as the core count).</param>
    public static CliResult Run(string workingDirectory, string userModels, string cache, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment, params string[] args)
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
        start.Environment["PDNCOLORIZE_CACHE"] = cache;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_TieredPGO"] = "0"; // short-lived process: skip instrumentation
        start.Environment.Remove("PDNCOLORIZE_DEBUG");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pdncolorize {string.Join(' ', args)} hung: no exit after {timeout.TotalSeconds:F0} s");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
