using System.Runtime.InteropServices;

namespace PdnColorize.Engines.Gpu;

/// <summary>
/// The few CUDA runtime calls the CUDA-graph path needs (host/device copies and a device sync, and for bench the context alone), loaded at run time from
/// the libcudart that ONNX Runtime's CUDA provider already brought, so nothing links against CUDA at build time.
/// </summary>
internal static unsafe class CudaRuntime
{
    private const int HostToDevice = 1, DeviceToHost = 2;
    private static readonly Lazy<nint> Library = new(Load);

    private static readonly string[] Names = OperatingSystem.IsWindows()
        ? ["cudart64_13.dll", "cudart64_12.dll"]
        : ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

    public static bool Available => Library.Value != 0;

    private static nint Load()
    {
        foreach (var name in Names)
            if (NativeLibrary.TryLoad(name, out var handle)) return handle;
        return 0;
    }

    private static nint Export(string name) =>
        Library.Value != 0 ? NativeLibrary.GetExport(Library.Value, name) : throw new InvalidOperationException("the CUDA runtime library (libcudart) was not found");

    public static void CopyToDevice<T>(nint device, ReadOnlySpan<T> host) where T : unmanaged
    {
        fixed (T* p = host) Check(((delegate* unmanaged<nint, void*, nuint, int, int>)Export("cudaMemcpy"))(device, p, (nuint)((long)host.Length * sizeof(T)), HostToDevice), "cudaMemcpy to device");
    }

    public static void CopyToHost<T>(Span<T> host, nint device) where T : unmanaged
    {
        fixed (T* p = host) Check(((delegate* unmanaged<void*, nint, nuint, int, int>)Export("cudaMemcpy"))(p, device, (nuint)((long)host.Length * sizeof(T)), DeviceToHost), "cudaMemcpy to host");
    }

    /// <summary>
    /// Creates the device's primary context (the one ORT's CUDA provider uses) and nothing else: bench reads the
    /// memory it takes apart from the session's.
    /// </summary>
    public static void CreateContext(int device)
    {
        Check(((delegate* unmanaged<int, int>)Export("cudaSetDevice"))(device), "cudaSetDevice");
        Check(((delegate* unmanaged<void*, int>)Export("cudaFree"))(null), "cudaFree(0)");
    }

    /// <summary>Waits for every stream on the device: ORT runs on its own stream, the copies on the default one.</summary>
    public static void Synchronize() => Check(((delegate* unmanaged<int>)Export("cudaDeviceSynchronize"))(), "cudaDeviceSynchronize");

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new InvalidOperationException($"{what} failed with CUDA error {rc}");
    }
}
