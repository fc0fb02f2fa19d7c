using System.Diagnostics;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>The release build's guard: a PdnRoot that is not a Paint.NET 5.1 folder stops the build with one message.</summary>
public sealed class ReleaseBuildTests
{
    [Fact]
    public void A_wrong_PdnRoot_fails_with_one_clear_message_before_restore_or_compile()
    {
        string repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "PdnColorize.sln"))) repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("no repository root");
        using var pdn = new TempDir();
        // Most of Paint.NET's assemblies, but not all: the message names the missing one.
        foreach (var name in new[] { "Base", "ComponentModel", "Core", "Effects.Core", "Framework", "Fundamentals", "Primitives", "PropertySystem", "Windows.Core", "Windows.Framework" })
            File.WriteAllText(Path.Combine(pdn.Path, $"PaintDotNet.{name}.dll"), "not a real assembly");

        var start = new ProcessStartInfo(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "build", Path.Combine(repo, "plugin", "PdnColorize.PaintDotNet", "PdnColorize.PaintDotNet.csproj"),
                     "-c", "Release", $"-p:PdnRoot={pdn.Path}", "-nologo" })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd() + stderr.Result;
        Assert.True(p.WaitForExit(120_000));

        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("error PDNC002", output);
        Assert.Contains("it lacks PaintDotNet.Windows.dll.", output);
        Assert.DoesNotContain("CS0246", output); // no page of missing-type errors
        Assert.DoesNotContain("NU1101", output); // stopped before restore asked for the Windows Desktop pack
    }
}
