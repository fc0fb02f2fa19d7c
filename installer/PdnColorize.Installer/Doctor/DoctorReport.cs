using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Discovery;
using PdnColorize.Installer.Install;

namespace PdnColorize.Installer.Doctor;

public enum Level { Ok, Warn, Fail, Info }

public sealed record Check(string Area, string Item, Level Level, string Detail);

/// <summary>Whether an execution path works here, and what to do when it does not.</summary>
public sealed record Verdict(string Path, bool Works, IReadOnlyList<string> Todo);

public sealed record DoctorReport(IReadOnlyList<Check> Checks, IReadOnlyList<Verdict> Verdicts);

/// <summary>A group of native libraries that must all be found for one component.</summary>
public sealed record LibrarySet(string Component, string[] Windows, string[] Linux, string Advice)
{
    public string[] Names => OperatingSystem.IsWindows() ? Windows : Linux;
}

/// <summary>
/// <c>doctor</c>: Paint.NET and the plugin, the NVIDIA driver (NVML) and free VRAM, and the CUDA 13 / cuDNN 9 /
/// TensorRT 10 libraries that ONNX Runtime 1.31's GPU providers load (names read from onnxruntime_providers_cuda.dll
/// and onnxruntime_providers_tensorrt.dll of Microsoft.ML.OnnxRuntime.Gpu.Windows 1.31.0), then says which paths
/// work (CPU always) and what to do for the others.
/// </summary>
public static class DoctorRunner
{
    /// <summary>CUDA 13.0 needs an R580 driver or newer; NVML reports the newest CUDA the driver supports.</summary>
    public const int RequiredCudaDriver = 13000;

    public static readonly LibrarySet Cuda = new("CUDA 13 runtime",
        ["cudart64_13.dll", "cublas64_13.dll", "cublasLt64_13.dll", "cufft64_12.dll"],
        ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcufft.so.12"],
        "Install the CUDA 13 runtime (CUDA Toolkit 13.x, or its redistributable DLLs) and put its bin folder on PATH, " +
        "or copy those DLLs into the plugin folder.");

    public static readonly LibrarySet CuDnn = new("cuDNN 9",
        ["cudnn64_9.dll"],
        ["libcudnn.so.9"],
        "Install cuDNN 9 for CUDA 13 and put its bin folder on PATH (or copy its DLLs into the plugin folder).");

    public static readonly LibrarySet TensorRt = new("TensorRT 10",
        ["nvinfer_10.dll", "nvonnxparser_10.dll"],
        ["libnvinfer.so.10", "libnvonnxparser.so.10"],
        "Optional, fastest: install TensorRT 10 for CUDA 13 and put its lib folder on PATH.");

    public static readonly LibrarySet VcRuntime = new("Visual C++ runtime",
        ["vcruntime140.dll", "vcruntime140_1.dll", "msvcp140.dll"],
        [],
        "Install the Microsoft Visual C++ 2015-2022 Redistributable (x64).");

    public static DoctorReport Run(SetupContext context, PdnInstall? pdn, string? pdnProblem, StatusReport? status)
    {
        var checks = new List<Check>();
        checks.Add(new Check("system", "OS", Level.Info, $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription} ({ModelCatalog.CurrentPlatform})"));

        // Paint.NET and the plugin
        string? pluginDir = null;
        bool pluginOk = false, gpuRuntime = false;
        if (pdn is null)
        {
            checks.Add(new Check("paint.net", "install", Level.Fail, pdnProblem ?? "not found"));
        }
        else
        {
            checks.Add(new Check("paint.net", "install", Level.Ok, $"{pdn.EditionName} at {pdn.Root}"));
            checks.Add(new Check("paint.net", "version", pdn.Version is null ? Level.Warn : Level.Ok, pdn.Version ?? "unknown"));
            foreach (var w in pdn.Warnings) checks.Add(new Check("paint.net", "warning", Level.Warn, w));
            pluginDir = pdn.PluginDirectory;
            if (status is null || !status.Installed)
                checks.Add(new Check("plugin", "PdnColorize", Level.Fail, status?.FolderExists == true ? "a PdnColorize folder without install manifest" : "not installed"));
            else
            {
                pluginOk = status.Intact;
                gpuRuntime = status.Manifest!.Gpu == "cuda";
                checks.Add(new Check("plugin", "PdnColorize", pluginOk ? Level.Ok : Level.Fail,
                    pluginOk ? $"{status.Manifest.Version}, {status.Manifest.Files.Count} files intact"
                             : $"{status.Missing.Count} missing / {status.Modified.Count} modified files"));
                checks.Add(new Check("plugin", "GPU runtime", gpuRuntime ? Level.Ok : Level.Info,
                    gpuRuntime ? $"installed ({status.Manifest.GpuRuntime})" : "not installed (CPU only)"));
            }
        }

        // NVIDIA driver and VRAM
        var gpu = context.Gpu.Query();
        bool driverOk = gpu.DriverFound && gpu.CudaDriverVersion >= RequiredCudaDriver;
        checks.Add(new Check("nvidia", "driver", !gpu.DriverFound ? Level.Fail : driverOk ? Level.Ok : Level.Warn,
            gpu.DriverFound
                ? $"{gpu.DriverVersion ?? "version unknown"}, supports CUDA up to {gpu.CudaText}" + (driverOk ? "" : " (CUDA 13 needs R580 or newer)")
                : gpu.Detail));
        foreach (var d in gpu.Devices)
        {
            bool knownMem = d.TotalBytes > 0;
            var level = !knownMem ? Level.Warn : d.FreeBytes < 2L << 30 ? Level.Warn : Level.Ok;
            checks.Add(new Check("nvidia", d.Name, level,
                knownMem ? $"{Units.Bytes(d.FreeBytes)} free of {Units.Bytes(d.TotalBytes)} VRAM" + (d.FreeBytes < 2L << 30 ? " (little free: close other GPU apps)" : "")
                         : "free VRAM unknown"));
        }

        // libraries
        var missing = new Dictionary<LibrarySet, List<string>>();
        foreach (var set in new[] { VcRuntime, Cuda, CuDnn, TensorRt })
        {
            if (set.Names.Length == 0) continue;
            var lost = new List<string>();
            foreach (var name in set.Names)
            {
                bool found = context.Native.TryFind(name, pluginDir, out var where);
                if (!found) lost.Add(name);
                checks.Add(new Check(set.Component, name, found ? Level.Ok : set == TensorRt ? Level.Warn : Level.Fail, found ? $"found ({where})" : "missing"));
            }
            missing[set] = lost;
        }

        // verdicts
        var verdicts = new List<Verdict>();
        var cpuTodo = new List<string>();
        if (pdn is null) cpuTodo.Add("Install Paint.NET 5.1 or newer, or name a portable copy with --pdn-dir.");
        else if (!pluginOk) cpuTodo.Add(status?.Installed == true ? "Run 'pdncolorize-setup repair'." : "Run 'pdncolorize-setup install'.");
        if (missing.TryGetValue(VcRuntime, out var vc) && vc.Count > 0) cpuTodo.Add(VcRuntime.Advice);
        verdicts.Add(new Verdict("CPU", cpuTodo.Count == 0, cpuTodo));

        var cudaTodo = new List<string>(cpuTodo);
        if (!gpu.DriverFound) cudaTodo.Add("No NVIDIA driver: CUDA needs an NVIDIA GPU with a current driver (R580 or newer for CUDA 13). Without one, PdnColorize runs on the CPU.");
        else if (!driverOk) cudaTodo.Add($"Update the NVIDIA driver: it supports CUDA {gpu.CudaText}; CUDA 13 needs R580 or newer.");
        if (missing[Cuda].Count > 0) cudaTodo.Add($"{Cuda.Advice} Missing: {string.Join(", ", missing[Cuda])}.");
        if (missing[CuDnn].Count > 0) cudaTodo.Add($"{CuDnn.Advice} Missing: {string.Join(", ", missing[CuDnn])}.");
        if (pdn is not null && !gpuRuntime) cudaTodo.Add("Add ONNX Runtime's CUDA provider to the plugin: 'pdncolorize-setup install --gpu cuda' (about 160 MB download).");
        verdicts.Add(new Verdict("CUDA", cudaTodo.Count == 0, cudaTodo));

        var trtTodo = new List<string>(cudaTodo);
        if (missing[TensorRt].Count > 0) trtTodo.Add($"{TensorRt.Advice} Missing: {string.Join(", ", missing[TensorRt])}.");
        verdicts.Add(new Verdict("TensorRT", trtTodo.Count == 0, trtTodo));

        return new DoctorReport(checks, verdicts);
    }
}
