using System.Runtime.InteropServices;
using System.Text;

namespace PdnColorize.Installer.Doctor;

public sealed record GpuDevice(string Name, long TotalBytes, long FreeBytes);

/// <summary>What the NVIDIA driver says: its version, the newest CUDA it supports (e.g. 13000 = 13.0), the GPUs.</summary>
public sealed record GpuInfo(bool DriverFound, string? DriverVersion, int? CudaDriverVersion, IReadOnlyList<GpuDevice> Devices, string Detail)
{
    public string CudaText => CudaDriverVersion is { } v ? $"{v / 1000}.{v % 1000 / 10}" : "unknown";
}

public interface IGpuInfoSource
{
    GpuInfo Query();
}

public sealed class FakeGpuInfo(GpuInfo info) : IGpuInfoSource
{
    public GpuInfo Query() => info;
}

/// <summary>
/// Reads the NVIDIA driver through NVML (nvml.dll on Windows: System32, or NVSMI under Program Files for old drivers;
/// libnvidia-ml.so.1 on Linux). No NVML means no NVIDIA driver, so no CUDA. Only read-only queries are made.
/// </summary>
public sealed unsafe class NvmlGpuInfo : IGpuInfoSource
{
    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total, Free, Used;
    }

    public static IEnumerable<string> LibraryCandidates()
    {
        if (OperatingSystem.IsWindows())
        {
            yield return "nvml.dll";
            yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "NVIDIA Corporation", "NVSMI", "nvml.dll");
        }
        else
        {
            yield return "libnvidia-ml.so.1";
            yield return "libnvidia-ml.so";
        }
    }

    public GpuInfo Query()
    {
        nint lib = 0;
        string? loaded = null;
        foreach (var candidate in LibraryCandidates())
        {
            if (NativeLibrary.TryLoad(candidate, out lib)) { loaded = candidate; break; }
        }
        if (loaded is null)
            return new GpuInfo(false, null, null, [], $"NVML ({string.Join(" / ", LibraryCandidates().Select(Path.GetFileName).Distinct())}) not found: no NVIDIA driver");
        try
        {
            var init = (delegate* unmanaged<int>)Export(lib, "nvmlInit_v2");
            var shutdown = (delegate* unmanaged<int>)Export(lib, "nvmlShutdown");
            if (init == null) return new GpuInfo(true, null, null, [], "NVML has no nvmlInit_v2 (a very old driver)");
            int rc = init();
            if (rc != 0) return new GpuInfo(true, null, null, [], $"nvmlInit failed (NVML error {rc}): the driver is installed but not working");
            try
            {
                string? driver = null;
                int? cuda = null;
                var getDriver = (delegate* unmanaged<byte*, uint, int>)Export(lib, "nvmlSystemGetDriverVersion");
                if (getDriver != null)
                {
                    var buf = stackalloc byte[96];
                    if (getDriver(buf, 96) == 0) driver = Utf8(buf, 96);
                }
                var getCuda = (delegate* unmanaged<int*, int>)Export(lib, "nvmlSystemGetCudaDriverVersion_v2");
                if (getCuda == null) getCuda = (delegate* unmanaged<int*, int>)Export(lib, "nvmlSystemGetCudaDriverVersion");
                if (getCuda != null)
                {
                    int v;
                    if (getCuda(&v) == 0) cuda = v;
                }

                var devices = new List<GpuDevice>();
                var count = (delegate* unmanaged<uint*, int>)Export(lib, "nvmlDeviceGetCount_v2");
                var byIndex = (delegate* unmanaged<uint, nint*, int>)Export(lib, "nvmlDeviceGetHandleByIndex_v2");
                var name = (delegate* unmanaged<nint, byte*, uint, int>)Export(lib, "nvmlDeviceGetName");
                var memory = (delegate* unmanaged<nint, NvmlMemory*, int>)Export(lib, "nvmlDeviceGetMemoryInfo");
                uint n = 0;
                var nameBuf = stackalloc byte[128];
                if (count != null && byIndex != null && count(&n) == 0)
                {
                    for (uint i = 0; i < n; i++)
                    {
                        nint device;
                        if (byIndex(i, &device) != 0) continue;
                        string deviceName = $"GPU {i}";
                        if (name != null)
                        {
                            if (name(device, nameBuf, 128) == 0) deviceName = Utf8(nameBuf, 128);
                        }
                        NvmlMemory mem = default;
                        bool haveMem = memory != null && memory(device, &mem) == 0;
                        devices.Add(new GpuDevice(deviceName, haveMem ? (long)mem.Total : -1, haveMem ? (long)mem.Free : -1));
                    }
                }
                return new GpuInfo(true, driver, cuda, devices, $"NVML loaded ({loaded})");
            }
            finally
            {
                if (shutdown != null) shutdown();
            }
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }

    private static void* Export(nint lib, string name) => NativeLibrary.TryGetExport(lib, name, out var address) ? (void*)address : null;

    private static string Utf8(byte* buffer, int max)
    {
        int len = 0;
        while (len < max && buffer[len] != 0) len++;
        return Encoding.UTF8.GetString(buffer, len);
    }
}
