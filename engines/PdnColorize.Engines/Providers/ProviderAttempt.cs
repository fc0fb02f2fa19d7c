namespace PdnColorize.Engines.Providers;

/// <summary>One rung of the ladder: which provider, whether it worked, and in plain words why not.</summary>
public sealed record ProviderAttempt(ProviderKind Provider, bool Succeeded, string Detail)
{
    public override string ToString() => $"{Provider.Label()}: {(Succeeded ? "used" : "skipped")} ({Detail})";
}

/// <summary>Turns the exceptions ONNX Runtime throws when a provider cannot start into advice a user can act on.</summary>
public static class ProviderFailure
{
    public static string Explain(ProviderKind provider, Exception error)
    {
        string message = error.Message;
        string first = message.Split('\n')[0].Trim();
        string lower = message.ToLowerInvariant();
        // ORT's TensorRT bridge reports a missing libnvinfer only in its log; the exception says "Failed to load shared
        // library" (seen on the H200 machine, which has CUDA but no TensorRT).
        if (lower.Contains("libnvinfer") || lower.Contains("nvinfer")
            || (provider == ProviderKind.TensorRt && lower.Contains("failed to load shared library")))
            return "TensorRT 10 libraries not found (libnvinfer.so.10 / nvinfer_10.dll)";
        if (lower.Contains("cudnn"))
            return "cuDNN 9 libraries not found";
        if (lower.Contains("libcudart") || lower.Contains("cudart64") || lower.Contains("libcublas") || lower.Contains("cublas64"))
            return "CUDA 13 runtime libraries not found";
        if (lower.Contains("no cuda-capable device") || lower.Contains("cuda driver") || lower.Contains("libcuda.so") || lower.Contains("nvcuda.dll"))
            return "no NVIDIA driver or no NVIDIA GPU";
        if (GpuErrors.IsOutOfMemory(error))
            return $"not enough GPU memory ({first})";
        if (error is DllNotFoundException or EntryPointNotFoundException)
            return $"{provider.Label()} provider library could not be loaded ({first})";
        if (lower.Contains("not enabled in this build") || lower.Contains("is not available") || lower.Contains("not supported"))
            return $"this ONNX Runtime build has no {provider.Label()} provider (install the GPU runtime)";
        return first;
    }
}

/// <summary>Recognises the providers' out-of-memory failures, which ORT reports as generic errors with these texts.</summary>
public static class GpuErrors
{
    private static readonly string[] Markers =
    [
        "BFCArena", "Failed to allocate memory", "out of memory", "CUDNN_STATUS_ALLOC_FAILED", "CUBLAS_STATUS_ALLOC_FAILED", "cudaErrorMemoryAllocation",
    ];

    public static bool IsOutOfMemory(Exception e) =>
        e is not OperationCanceledException && Markers.Any(m => e.Message.Contains(m, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Climbs the ladder: each rung is attempted inside try/catch with its own fresh options (ORT 1.31 throws even from
/// provider option constructors when the provider's libraries are missing) and the reason for every failure is kept.
/// </summary>
public static class ProviderLadder
{
    public static (T Result, IReadOnlyList<ProviderAttempt> Attempts) Climb<T>(
        IReadOnlyList<ProviderKind> rungs, Func<ProviderKind, T> open, Func<ProviderKind, string?>? precheck = null)
    {
        var attempts = new List<ProviderAttempt>();
        foreach (var rung in rungs)
        {
            if (precheck?.Invoke(rung) is { } reason)
            {
                attempts.Add(new ProviderAttempt(rung, false, reason));
                continue;
            }
            try
            {
                var result = open(rung);
                attempts.Add(new ProviderAttempt(rung, true, "ok"));
                return (result, attempts);
            }
            catch (Exception e) when (e is OperationCanceledException or CalibrationMissingException)
            {
                throw; // cancelled, or INT8 without a calibration: another provider would not change that
            }
            catch (ModelContractException) when (rung == ProviderKind.Cpu)
            {
                throw; // the model itself is wrong: no provider will fix that
            }
            catch (Exception e)
            {
                attempts.Add(new ProviderAttempt(rung, false, ProviderFailure.Explain(rung, e)));
            }
        }
        throw new ProviderUnavailableException(attempts);
    }
}

/// <summary>No provider of the requested ladder could run the model.</summary>
public sealed class ProviderUnavailableException(IReadOnlyList<ProviderAttempt> attempts)
    : Exception("No execution provider could run the model: " + string.Join("; ", attempts))
{
    public IReadOnlyList<ProviderAttempt> Attempts { get; } = attempts;
}
