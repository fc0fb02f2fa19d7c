using PdnColorize.Core.Detail;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Tests;

/// <summary>The device's capacity in the pipeline: the model's own (the VRAM planner on a GPU), asked lazily.</summary>
public class DeviceCapacityTests
{
    private static ColorizeSettings Settings(DetailMode mode) => new() { Detail = mode };

    [Fact]
    public void The_memory_model_is_asked_for_only_when_a_region_is_to_be_tiled_and_once_per_size()
    {
        int probes = 0;
        var gpu = new VramDetailCapacity(size => { probes++; return new PdnColorize.Engines.Gpu.MemoryModel(500, 1000); }, () => 2000);
        var small = DetailPlanner.Decide(new PixelRect(0, 0, 200, 150), 256, true, Settings(DetailMode.Auto), gpu, 1L << 34);
        Assert.Equal(DetailMode.Global, small.Chosen);
        Assert.Equal(0, probes); // a photo the model sees whole costs no probe runs
        var under = DetailPlanner.Decide(new PixelRect(0, 0, 700, 500), 256, true, Settings(DetailMode.Auto), gpu, 1L << 34);
        Assert.Equal(DetailMode.Global, under.Chosen);
        Assert.Equal(0, probes); // nor one below Auto's lowest threshold (2.7x here)

        var big = DetailPlanner.Decide(new PixelRect(0, 0, 4000, 3000), 256, true, Settings(DetailMode.Auto), gpu, 1L << 34);
        Assert.Equal(DetailMode.Fine, big.Chosen);
        Assert.Equal(1, probes);
        Assert.Contains("GPU:", big.Reason);
    }

    [Fact]
    public void The_colorizer_plans_with_the_models_own_capacity()
    {
        var model = new GpuFake(new VramDetailCapacity(new PdnColorize.Engines.Gpu.MemoryModel(500, 1000), () => 2000));
        var field = new Colorizer(model).Predict(new BgraImage(1024, 640), null, Settings(DetailMode.Fine));
        Assert.Equal(DetailMode.Fine, field.Detail!.Chosen);
        Assert.Contains("GPU:", field.Detail.Reason);
        Assert.Same(CpuDetailCapacity.Default, new Colorizer(FunctionModel.Constant(0, 0)).Capacity);
    }

    private sealed class GpuFake(IDetailCapacity capacity) : IChromaModel
    {
        private readonly FunctionModel _inner = FunctionModel.Constant(5, 5, 64);
        public string Description => "gpu fake";
        public int PreferredSize => 64;
        public bool DynamicSize => true;
        public IDetailCapacity Capacity => capacity;
        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation) =>
            _inner.Predict(gray, batch, height, width, ab, cancellation);
    }
}
