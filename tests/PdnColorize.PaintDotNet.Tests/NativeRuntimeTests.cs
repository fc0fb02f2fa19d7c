using System.Runtime.InteropServices;
using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>Where the plugin's own ONNX Runtime is looked for: pure path logic, checked on any OS.</summary>
public sealed class NativeRuntimeTests
{
    private static readonly string Plugin = OperatingSystem.IsWindows() ? @"C:\Program Files\paint.net\Effects\PdnColorize" : "/opt/paint.net/Effects/PdnColorize";

    [Fact]
    public void Windows_x64_looks_in_the_plugins_runtimes_folder_first_then_the_plugin_folder()
    {
        var paths = NativeRuntime.CandidatePaths(Plugin, windows: true, Architecture.X64);
        Assert.Equal(
        [
            Path.Combine(Plugin, "runtimes", "win-x64", "native", "onnxruntime.dll"),
            Path.Combine(Plugin, "onnxruntime.dll"),
        ], paths);
    }

    [Fact]
    public void Every_candidate_is_a_full_path_inside_the_plugin_folder()
    {
        foreach (var arch in new[] { Architecture.X64, Architecture.Arm64 })
            foreach (var windows in new[] { true, false })
                Assert.All(NativeRuntime.CandidatePaths(Plugin, windows, arch), p =>
                {
                    Assert.True(Path.IsPathFullyQualified(p), p);
                    Assert.StartsWith(Plugin, p);
                });
        Assert.Contains("win-arm64", NativeRuntime.CandidatePaths(Plugin, true, Architecture.Arm64)[0]);
    }

    [Fact]
    public void A_relative_plugin_folder_is_refused() =>
        Assert.Throws<ArgumentException>(() => NativeRuntime.CandidatePaths("Effects/PdnColorize", true, Architecture.X64));

    [Theory]
    [InlineData("onnxruntime", true)]
    [InlineData("onnxruntime.dll", true)]
    [InlineData("ONNXRUNTIME.DLL", true)]
    [InlineData("libonnxruntime.so", true)]
    [InlineData(@"C:\Windows\System32\onnxruntime.dll", true)]
    [InlineData("onnxruntime_providers_shared", false)]
    [InlineData("DirectML", false)]
    [InlineData("kernel32", false)]
    public void Only_onnx_runtime_itself_is_answered_by_our_resolver(string name, bool ours) =>
        Assert.Equal(ours, NativeRuntime.IsOnnxRuntime(name));

    [Fact]
    public void Locate_prefers_the_runtimes_copy_and_finds_nothing_rather_than_a_bare_name()
    {
        using var dir = new TempDir();
        Assert.Null(NativeRuntime.Locate(dir.Path, true, Architecture.X64));

        File.WriteAllText(Path.Combine(dir.Path, "onnxruntime.dll"), "");
        Assert.Equal(Path.Combine(dir.Path, "onnxruntime.dll"), NativeRuntime.Locate(dir.Path, true, Architecture.X64));

        var native = Directory.CreateDirectory(Path.Combine(dir.Path, "runtimes", "win-x64", "native")).FullName;
        File.WriteAllText(Path.Combine(native, "onnxruntime.dll"), "");
        Assert.Equal(Path.Combine(native, "onnxruntime.dll"), NativeRuntime.Locate(dir.Path, true, Architecture.X64));
        // Another architecture never takes the x64 copy.
        Assert.Equal(Path.Combine(dir.Path, "onnxruntime.dll"), NativeRuntime.Locate(dir.Path, true, Architecture.Arm64));
    }
}
