using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// Loads the plugin's own ONNX Runtime by full path before first use and answers ORT's DllImports with it, so an
/// older onnxruntime.dll in System32 or beside Paint.NET can never be the one that runs
/// (the usual cause of "EntryPointNotFound: OrtGetApiBase").
/// </summary>
public static class NativeRuntime
{
    public const string LibraryName = "onnxruntime";

    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>What happened, for error messages and diagnostics.</summary>
    public static string Status { get; private set; } = "not loaded yet";

    /// <summary>The runtime identifier whose native folder holds our copy (win-x64, win-arm64, linux-x64, ...).</summary>
    public static string RuntimeId(bool windows, Architecture architecture)
    {
        string os = windows ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => architecture.ToString().ToLowerInvariant(),
        };
        return $"{os}-{arch}";
    }

    /// <summary>The platform file name of a native library named as DllImport names it ("onnxruntime").</summary>
    public static string FileName(string libraryName, bool windows)
    {
        string bare = BareName(libraryName);
        return windows ? bare + ".dll" : OperatingSystem.IsMacOS() ? $"lib{bare}.dylib" : $"lib{bare}.so";
    }

    /// <summary>True when <paramref name="libraryName"/> (as a DllImport or a file names it) is ONNX Runtime itself.</summary>
    public static bool IsOnnxRuntime(string libraryName) =>
        string.Equals(BareName(libraryName), LibraryName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where the plugin's copy may live, best first: its runtimes/&lt;rid&gt;/native folder (the NuGet layout the package
    /// keeps), then the plugin folder itself. Always full paths inside the plugin folder, never a bare name that the
    /// system's search order could answer.
    /// </summary>
    public static IReadOnlyList<string> CandidatePaths(string pluginDirectory, bool windows, Architecture architecture)
    {
        if (!Path.IsPathFullyQualified(pluginDirectory))
            throw new ArgumentException($"the plugin folder must be a full path; got '{pluginDirectory}'", nameof(pluginDirectory));
        string file = FileName(LibraryName, windows);
        return
        [
            Path.Combine(pluginDirectory, "runtimes", RuntimeId(windows, architecture), "native", file),
            Path.Combine(pluginDirectory, file),
        ];
    }

    /// <summary>The first candidate that exists, or null.</summary>
    public static string? Locate(string pluginDirectory, bool windows, Architecture architecture, Func<string, bool>? exists = null) =>
        CandidatePaths(pluginDirectory, windows, architecture).FirstOrDefault(exists ?? File.Exists);

    /// <summary>Loads our copy and installs the resolver; safe to call often, from any thread.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            string directory = Path.GetDirectoryName(typeof(NativeRuntime).Assembly.Location) ?? AppContext.BaseDirectory;
            string? path = Locate(directory, OperatingSystem.IsWindows(), RuntimeInformation.ProcessArchitecture);
            if (path is null)
            {
                Status = $"no {FileName(LibraryName, OperatingSystem.IsWindows())} in {directory}; ONNX Runtime's own search is used";
                return;
            }
            Status = $"could not load {path}";
            IntPtr handle = NativeLibrary.Load(path); // throws DllNotFoundException with the reason; the caller reports it
            Status = $"loaded {path}";
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly,
                    (name, _, _) => IsOnnxRuntime(name) ? handle : IntPtr.Zero);
                OrtEnv.DisableDllImportResolver = true; // ours is installed; ORT's own must not try
            }
            catch (InvalidOperationException)
            {
                // ORT installed its resolver first. The module we loaded by full path is already in the process, so a
                // later load by name finds it before any search path on Windows.
                Status += " (ORT's resolver was already installed)";
            }
        }
    }

    private static string BareName(string libraryName)
    {
        string name = libraryName[(libraryName.LastIndexOfAny(['/', '\\']) + 1)..];
        foreach (var ext in new[] { ".dll", ".so", ".dylib" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) name = name[..^ext.Length];
        if (name.StartsWith("lib", StringComparison.Ordinal)) name = name[3..];
        return name;
    }
}
