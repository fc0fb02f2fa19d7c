using PdnColorize.Engines;
using PdnColorize.PaintDotNet.Hosting;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>The dialog's "Runs on" line and the plan a render uses.</summary>
public sealed class AdvisorTests
{
    private static readonly ProviderStatus Cpu = new("CPU", true, "always available");
    private static IReadOnlyList<ProviderStatus> NoGpu() =>
    [
        new("TensorRT", false, "this ONNX Runtime build has no TensorRT provider (install the GPU runtime)"),
        new("CUDA", false, "this ONNX Runtime build has no CUDA provider (install the GPU runtime)"),
        Cpu,
    ];
    private static IReadOnlyList<ProviderStatus> Cuda() => [new("TensorRT", false, "libnvinfer.so.10 not found"), new("CUDA", true, "provider library loaded"), Cpu];

    [Fact]
    public void Without_a_gpu_auto_runs_on_the_cpu_at_fp32_and_says_why()
    {
        var plan = new ProbeExecutionAdvisor(NoGpu).Plan(DeviceChoice.Auto, PrecisionChoice.Auto);
        Assert.Equal(("CPU", PrecisionChoice.FP32), (plan.Device, plan.Precision));
        Assert.Contains("CUDA: this ONNX Runtime build has no CUDA provider", plan.Reason);
        Assert.StartsWith("Runs on CPU at FP32 (GPU not usable:", plan.Describe());
    }

    [Fact]
    public void A_usable_gpu_is_used_when_the_loader_can_and_named_when_it_cannot()
    {
        var able = new ProbeExecutionAdvisor(Cuda, loaderRunsOnGpu: true).Plan(DeviceChoice.Auto, PrecisionChoice.Auto);
        Assert.Equal(("CUDA", PrecisionChoice.FP16, ""), (able.Device, able.Precision, able.Reason));

        var today = new ProbeExecutionAdvisor(Cuda).Plan(DeviceChoice.GPU, PrecisionChoice.Auto);
        Assert.Equal(("CPU", PrecisionChoice.FP32), (today.Device, today.Precision));
        Assert.Contains("CUDA is available, but this version runs the model on the CPU only", today.Reason);
    }

    [Fact]
    public void Precisions_the_cpu_cannot_run_fall_back_to_fp32_with_a_reason()
    {
        var advisor = new ProbeExecutionAdvisor(NoGpu);
        var fp16 = advisor.Plan(DeviceChoice.CPU, PrecisionChoice.FP16);
        Assert.Equal(PrecisionChoice.FP32, fp16.Precision);
        Assert.Contains("FP16 runs on a GPU only", fp16.Reason);
        var int8 = advisor.Plan(DeviceChoice.CPU, PrecisionChoice.INT8);
        Assert.Equal(PrecisionChoice.FP32, int8.Precision);
        Assert.Contains("INT8", int8.Reason);
        Assert.Equal(PrecisionChoice.INT8, new ProbeExecutionAdvisor(NoGpu, loaderRunsInt8: true).Plan(DeviceChoice.CPU, PrecisionChoice.INT8).Precision);
    }

    [Fact]
    public void Choosing_the_cpu_does_not_probe_and_a_failing_probe_is_reported_not_thrown()
    {
        int probes = 0;
        var advisor = new ProbeExecutionAdvisor(() => { probes++; throw new DllNotFoundException("onnxruntime"); });
        Assert.Equal("CPU", advisor.Plan(DeviceChoice.CPU, PrecisionChoice.Auto).Device);
        Assert.Equal(0, probes);
        var plan = advisor.Plan(DeviceChoice.Auto, PrecisionChoice.Auto);
        advisor.Plan(DeviceChoice.GPU, PrecisionChoice.FP16);
        Assert.Equal(1, probes); // probed once per process
        Assert.Equal("CPU", plan.Device);
        Assert.Contains("ONNX Runtime could not be loaded", plan.Reason);
    }
}
