using System.Runtime.InteropServices;
using System.Text;

namespace PdnColorize.Engines.Gpu;

/// <summary>What NVML says about one GPU.</summary>
public sealed record GpuInfo(int Index, string Name, long TotalBytes, long FreeBytes, long UsedBytes, string ComputeCapability, string DriverVersion)
{
    public long TotalMiB => TotalBytes >> 20;
    public long FreeMiB => FreeBytes >> 20;
}

/// <summary>
/// NVIDIA's management library, loaded by name at run time (libnvidia-ml.so.1 on Linux, nvml.dll on Windows) so a
/// machine without the driver simply gets null: no DllNotFoundException reaches the user.
/// </summary>
public static unsafe class Nvml
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryInfo { public ulong Total, Free, Used; }

    private static readonly object Gate = new();
    private static nint _lib;
    private static bool _initialised;
    private static string? _unavailable;

    /// <summary>Why NVML cannot be used here, or null when it can.</summary>
    public static string? Unavailable
    {
        get { EnsureLoaded(); return _unavailable; }
    }

    public static IReadOnlyList<string> LibraryNames => OperatingSystem.IsWindows()
        ? new[] { "nvml.dll", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "nvml.dll") }
        : new[] { "libnvidia-ml.so.1", "libnvidia-ml.so" };

    private static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_initialised || _unavailable is not null) return;
            foreach (var name in LibraryNames)
                if (NativeLibrary.TryLoad(name, out _lib)) break;
            if (_lib == 0) { _unavailable = "NVIDIA driver not found (no " + LibraryNames[0] + ")"; return; }
            int rc = ((delegate* unmanaged<int>)Export("nvmlInit_v2"))();
            if (rc != 0) { _unavailable = $"NVIDIA driver present but NVML did not start (error {rc})"; return; }
            _initialised = true;
        }
    }

    private static nint Export(string name) => NativeLibrary.GetExport(_lib, name);

    public static int DeviceCount()
    {
        EnsureLoaded();
        if (!_initialised) return 0;
        uint count;
        return ((delegate* unmanaged<uint*, int>)Export("nvmlDeviceGetCount_v2"))(&count) == 0 ? (int)count : 0;
    }

    /// <summary>Memory and identity of GPU <paramref name="index"/>, or null when there is no such GPU or no driver.</summary>
    public static GpuInfo? TryQuery(int index)
    {
        EnsureLoaded();
        if (!_initialised) return null;
        nint device;
        if (((delegate* unmanaged<uint, nint*, int>)Export("nvmlDeviceGetHandleByIndex_v2"))((uint)index, &device) != 0) return null;
        MemoryInfo mem;
        if (((delegate* unmanaged<nint, MemoryInfo*, int>)Export("nvmlDeviceGetMemoryInfo"))(device, &mem) != 0) return null;
        int major = 0, minor = 0;
        ((delegate* unmanaged<nint, int*, int*, int>)Export("nvmlDeviceGetCudaComputeCapability"))(device, &major, &minor);
        byte* name = stackalloc byte[96];
        ((delegate* unmanaged<nint, byte*, uint, int>)Export("nvmlDeviceGetName"))(device, name, 96);
        byte* driver = stackalloc byte[80];
        ((delegate* unmanaged<byte*, uint, int>)Export("nvmlSystemGetDriverVersion"))(driver, 80);
        return new GpuInfo(index, Text(name), (long)mem.Total, (long)mem.Free, (long)mem.Used, $"{major}.{minor}", Text(driver));
    }

    private static string Text(byte* s)
    {
        int n = 0;
        while (s[n] != 0) n++;
        return Encoding.UTF8.GetString(s, n);
    }
}
