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

    [Fact]
    public void A_GPU_pads_the_last_batch_to_keep_one_input_shape_and_gets_the_same_colours()
    {
        // 1024x640 at S = 64, tiles of 64: many tiles; a batch of 4 leaves a short last batch unless padded.
        var image = new BgraImage(1024, 640);
        for (int y = 0; y < 640; y++)
            for (int x = 0; x < 1024; x++)
                image.Row(y)[4 * x] = image.Row(y)[4 * x + 1] = image.Row(y)[4 * x + 2] = (byte)((x * 7 + y * 3) & 255);
        ChromaField Run(bool pad, List<int> batches)
        {
            var model = new BatchRecorder(batches);
            var capacity = new DelegateDetailCapacity("test", r => new DetailCapacity(4, r.ModelSize) { PadLastBatch = pad });
            return new Colorizer(model) { Capacity = capacity }.Predict(image, null, Settings(DetailMode.Fine));
        }
        var padded = new List<int>(); var plain = new List<int>();
        var a = Run(true, padded);
        var b = Run(false, plain);
        int tiles = a.Detail!.Plan!.TileCount;
        Assert.NotEqual(0, tiles % 4); // the layout really has a short last batch
        Assert.All(padded.Skip(1), n => Assert.Equal(4, n)); // after the global pass, one shape
        Assert.Equal(tiles % 4, plain[^1]);
        Assert.Equal(b.A, a.A);
        Assert.Equal(b.B, a.B);
    }

    /// <summary>Colours from the gray value per image (so each tile's answer does not depend on its batch), recording batch sizes.</summary>
    private sealed class BatchRecorder(List<int> batches) : IChromaModel
    {
        private readonly FunctionModel _inner = new(g => (60 * g - 20, 15 - 30 * g), 64);
        public string Description => "recorder";
        public int PreferredSize => 64;
        public bool DynamicSize => true;
        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            batches.Add(batch);
            _inner.Predict(gray, batch, height, width, ab, cancellation);
        }
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
