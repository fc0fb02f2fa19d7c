namespace PdnColorize.Engines.Providers;

/// <summary>The numeric precision the user asked for. Auto = FP16 on a GPU, FP32 on the CPU.</summary>
public enum Precision { Auto, Fp32, Fp16, Int8 }

/// <summary>Where the user asked the model to run. Auto climbs the ladder TensorRT -> CUDA -> CPU.</summary>
public enum DeviceRequest { Auto, Cpu, Cuda, TensorRt }

/// <summary>An ONNX Runtime execution provider the ladder can try. DirectML would slot in before CPU on Windows.</summary>
public enum ProviderKind { TensorRt, Cuda, Cpu }

public static class EngineChoices
{
    public static string Label(this ProviderKind kind) => kind switch
    {
        ProviderKind.TensorRt => "TensorRT",
        ProviderKind.Cuda => "CUDA",
        _ => "CPU",
    };

    public static string Label(this Precision precision) => precision switch
    {
        Precision.Fp16 => "FP16",
        Precision.Int8 => "INT8",
        Precision.Fp32 => "FP32",
        _ => "auto",
    };

    public static bool IsGpu(this ProviderKind kind) => kind != ProviderKind.Cpu;

    /// <summary>The providers to try, in order, for a device request.</summary>
    public static IReadOnlyList<ProviderKind> Ladder(DeviceRequest device) => device switch
    {
        DeviceRequest.Cpu => new[] { ProviderKind.Cpu },
        DeviceRequest.Cuda => new[] { ProviderKind.Cuda },
        DeviceRequest.TensorRt => new[] { ProviderKind.TensorRt },
        _ => new[] { ProviderKind.TensorRt, ProviderKind.Cuda, ProviderKind.Cpu },
    };

    /// <summary>What Auto means on a provider: FP16 where tensor cores exist, FP32 on the CPU.</summary>
    public static Precision Resolve(this Precision precision, ProviderKind provider) =>
        precision != Precision.Auto ? precision : provider.IsGpu() ? Precision.Fp16 : Precision.Fp32;

    public static Precision ParsePrecision(string text) => text.ToLowerInvariant() switch
    {
        "auto" => Precision.Auto, "fp32" => Precision.Fp32, "fp16" => Precision.Fp16, "int8" => Precision.Int8,
        _ => throw new ArgumentException($"precision must be auto, fp32, fp16 or int8; got '{text}'"),
    };

    public static DeviceRequest ParseDevice(string text) => text.ToLowerInvariant() switch
    {
        "auto" => DeviceRequest.Auto, "cpu" => DeviceRequest.Cpu, "cuda" or "gpu" => DeviceRequest.Cuda, "tensorrt" or "trt" => DeviceRequest.TensorRt,
        _ => throw new ArgumentException($"device must be auto, cpu, cuda or tensorrt; got '{text}'"),
    };
}
