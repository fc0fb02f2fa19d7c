using Microsoft.ML.OnnxRuntime;

namespace PdnColorize.Engines.Providers;

/// <summary>Appends one provider, with its option set, to fresh session options. Provider option objects are disposed here.</summary>
public static class ProviderConfigurator
{
    public static void Append(SessionOptions options, ProviderKind provider, ProviderSettings settings, string inputName)
    {
        switch (provider)
        {
            case ProviderKind.TensorRt:
            {
                using var trt = new OrtTensorRTProviderOptions(); // throws when TensorRT's libraries are absent
                trt.UpdateOptions(TensorRtOptionSet.Build(settings, inputName));
                options.AppendExecutionProvider_Tensorrt(trt);
                // Nodes TensorRT cannot take fall back to CUDA, then CPU.
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(CudaOptionSet.Build(settings, graphs: false));
                options.AppendExecutionProvider_CUDA(cuda);
                break;
            }
            case ProviderKind.Cuda:
            {
                using var cuda = new OrtCUDAProviderOptions(); // throws when CUDA's libraries are absent
                cuda.UpdateOptions(CudaOptionSet.Build(settings));
                options.AppendExecutionProvider_CUDA(cuda);
                break;
            }
            case ProviderKind.Cpu:
                break; // ORT always appends the CPU provider last
        }
    }
}
