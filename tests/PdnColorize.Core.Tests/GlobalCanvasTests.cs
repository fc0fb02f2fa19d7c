using PdnColorize.Core.Detail;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines.Gpu;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

/// <summary>
/// One input shape per tiled GPU job: the global pass runs at the tiles' (batch, height, width), padded when asked
/// (<see cref="GlobalCanvas"/>), because ONNX Runtime's CUDA EP sets its convolutions up again for every new shape.
/// </summary>
public class GlobalCanvasTests
{
    private static readonly ColorizeSettings Fine = new() { Detail = DetailMode.Fine };

    /// <summary>A 1024x640 photo (16:10): at S = 64 its global grid is 64x32 (40 rounded to a multiple of 32), its detail grid 256x160.</summary>
    private static BgraImage Photo() => TestImages.Gray(1024, 640);

    private static DetailTuning Shape(GlobalPassShape shape) => DetailTuning.Default with { GlobalShape = shape };

    private static IDetailCapacity Gpu(int batch = 4) =>
        new DelegateDetailCapacity("test GPU", r => new DetailCapacity(batch, r.ModelSize) { PadLastBatch = true });

    [Fact]
    public void A_tiled_GPU_job_of_a_fixed_size_model_runs_the_model_at_exactly_one_shape()
    {
        var model = new ShapeRecorder(gpu: true, dynamic: false);
        var field = new Colorizer(model) { Capacity = Gpu() }.Predict(Photo(), null, Fine);

        var plan = field.Detail!.Plan!;
        Assert.True(plan.Calls > 1);
        Assert.Equal([(plan.Batch, plan.InputHeight, plan.InputWidth)], model.Runs.Distinct());
        Assert.Equal(1 + plan.Calls, model.Runs.Count); // the global pass and the tile batches
        Assert.Contains("global pass at the tiles' shape 4x64x64 (", field.Detail.ToString());
    }

    [Fact]
    public void Asked_for_its_own_shape_the_same_job_switches_shapes()
    {
        // The control of the test above: without the canvas the global pass at batch 1 is a second shape.
        var model = new ShapeRecorder(gpu: true, dynamic: false);
        var field = new Colorizer(model) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Own) }.Predict(Photo(), null, Fine);
        Assert.Equal((1, 64, 64), model.Runs[0]);
        Assert.Equal(2, model.Runs.Distinct().Count());
        Assert.Null(field.Detail!.GlobalCanvas);
    }

    [Fact]
    public void A_dynamic_models_tiles_take_its_global_grids_shape_on_a_GPU_and_nothing_is_padded()
    {
        // Its global grid is 64x32. Auto on a GPU makes the tiles 64x32 too, so the global pass only fills their batch:
        // one shape, no padding (padding changed the embedded model's colours).
        var auto = new ShapeRecorder(gpu: true);
        var field = new Colorizer(auto) { Capacity = Gpu() }.Predict(Photo(), null, Fine);
        var plan = field.Detail!.Plan!;
        Assert.Equal((64, 32), (plan.X.Extent, plan.Y.Extent));
        Assert.Equal([(plan.Batch, 32, 64)], auto.Runs.Distinct());
        Assert.False(field.Detail.GlobalCanvas!.Padded);
        PlanAssertions.TilesInsideAndWeightsSumToOne(plan, plan.GridWidth, plan.GridHeight);

        // Own keeps square tiles and the global pass at batch 1: two shapes.
        var own = new ShapeRecorder(gpu: true);
        field = new Colorizer(own) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Own) }.Predict(Photo(), null, Fine);
        Assert.Equal((64, 64), (field.Detail!.Plan!.X.Extent, field.Detail.Plan.Y.Extent));
        Assert.Equal((1, 32, 64), own.Runs[0]);
        Assert.Equal(2, own.Runs.Distinct().Count());
    }

    [Fact]
    public void Tiles_pads_the_global_grid_to_square_tiles_only_when_asked()
    {
        var tiles = new ShapeRecorder(gpu: true);
        var field = new Colorizer(tiles) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Tiles) }.Predict(Photo(), null, Fine);
        Assert.Equal([(4, 64, 64)], tiles.Runs.Distinct());
        Assert.True(field.Detail!.GlobalCanvas!.Padded);
        Assert.Contains("global pass at the tiles' shape 4x64x64 (64x32 reflect-padded)", field.Detail.ToString());
    }

    [Fact]
    public void The_CPU_keeps_square_tiles_unless_the_global_grid_shape_is_asked_for()
    {
        var cpu = new ShapeRecorder(gpu: false);
        var field = new Colorizer(cpu) { Capacity = Gpu() }.Predict(Photo(), null, Fine);
        Assert.Equal((64, 64), (field.Detail!.Plan!.X.Extent, field.Detail.Plan.Y.Extent));
        Assert.Null(field.Detail.GlobalCanvas);

        var asked = new ShapeRecorder(gpu: false);
        field = new Colorizer(asked) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.GlobalGrid) }.Predict(Photo(), null, Fine);
        Assert.Equal([(field.Detail!.Plan!.Batch, 32, 64)], asked.Runs.Distinct());
    }

    [Fact]
    public void A_panorama_keeps_square_tiles()
    {
        // 3:1 at S = 128: the global grid is 128x32 (the short side rounded to 32), 4:1, and tiles that thin would see
        // too little across, so the plan keeps squares; a 3:2 photo at the same S gets tiles of its grid's shape.
        var panorama = new Colorizer(new ShapeRecorder(gpu: true, size: 128)) { Capacity = Gpu() }
            .Predict(TestImages.Gray(1536, 512), null, Fine).Detail!.Plan!;
        Assert.Equal((128, 128), (panorama.InputWidth, panorama.InputHeight));
        var photo = new Colorizer(new ShapeRecorder(gpu: true, size: 128)) { Capacity = Gpu() }
            .Predict(TestImages.Gray(1536, 1024), null, Fine).Detail!.Plan!;
        Assert.Equal((128, 96), (photo.InputWidth, photo.InputHeight));
    }

    [Fact]
    public void Tiles_smaller_than_the_global_grid_keep_their_own_shape()
    {
        // A device whose tiles are 32 px cannot take a 64x32 tile at the batch it admitted for 32x32: the plan keeps
        // the capacity's squares (and the job its second shape) rather than risk the memory.
        var small = new DelegateDetailCapacity("small GPU", _ => new DetailCapacity(4, 32) { PadLastBatch = true });
        var model = new ShapeRecorder(gpu: true);
        var field = new Colorizer(model) { Capacity = small }.Predict(Photo(), null, Fine);
        Assert.Equal((32, 32), (field.Detail!.Plan!.X.Extent, field.Detail.Plan.Y.Extent));
        Assert.Null(field.Detail.GlobalCanvas);
    }

    [Fact]
    public void A_batch_of_photos_of_one_size_runs_one_shape_from_the_first_run_to_the_last()
    {
        var model = new ShapeRecorder(gpu: true, dynamic: false);
        var colorizer = new Colorizer(model) { Capacity = Gpu(3) };
        for (int i = 0; i < 3; i++) colorizer.Predict(Photo(), null, Fine);
        Assert.Single(model.Runs.Distinct());
    }

    [Fact]
    public void For_a_pointwise_model_the_padded_global_pass_equals_the_unpadded_one()
    {
        var padded = new Colorizer(new ShapeRecorder(gpu: true)) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Tiles) }
            .Predict(Photo(), null, Fine);
        var own = new Colorizer(new ShapeRecorder(gpu: true)) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Own) }
            .Predict(Photo(), null, Fine);
        Assert.NotNull(padded.Detail!.GlobalCanvas);
        Assert.Equal(own.A, padded.A); // exactly: a pointwise model sees the same gray at the same cells
        Assert.Equal(own.B, padded.B);

        var lightness = GlobalChromaPass.DownsampledLightness(Photo(), new PixelRect(0, 0, 1024, 640), 64, 32, default);
        var model = new ShapeRecorder(gpu: true);
        var canvas = new GlobalCanvas(96, 64, 3, 64, 32);
        var roi = new PixelRect(0, 0, 1024, 640);
        var a = GlobalChromaPass.FromLightness(lightness, 64, 32, roi, model, default, canvas);
        var b = GlobalChromaPass.FromLightness(lightness, 64, 32, roi, model, default);
        Assert.Equal((3, 64, 96), model.Runs[0]);
        Assert.Equal(b.A, a.A);
        Assert.Equal(b.B, a.B);
    }

    [Fact]
    public void The_global_result_is_cropped_from_the_first_image_of_the_batch()
    {
        // A model whose answer depends on the image's place in the batch: only image 0 may reach the field.
        var model = new BatchIndexModel();
        var lightness = Enumerable.Range(0, 6).Select(i => 10f * i).ToArray();
        var canvas = new GlobalCanvas(5, 4, 3, 3, 2);
        var field = GlobalChromaPass.FromLightness(lightness, 3, 2, new PixelRect(0, 0, 30, 20), model, default, canvas);
        Assert.All(field.A, v => Assert.Equal(0f, v));
        Assert.Equal(6, field.B.Length);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (float)i), field.B); // cell (x, y) of the grid, not of the canvas
    }

    [Fact]
    public void Reflection_mirrors_without_repeating_the_edge()
    {
        float[] grid = [1, 2, 3, 4, 5, 6]; // 3 x 2
        var reflect = new GlobalCanvas(8, 5, 2, 3, 2).Input(grid);
        Assert.Equal(2 * 3 * 40, reflect.Length);
        Assert.Equal([1, 2, 3, 2, 1, 2, 3, 2], reflect[..8]);      // row 0: mirrored about column 2, then again about column 0
        Assert.Equal([4, 5, 6, 5, 4, 5, 6, 5], reflect[8..16]);    // row 1
        Assert.Equal(reflect[..8], reflect[16..24]);               // row 2 mirrors row 0 (2 rows: the period is 2)
        Assert.Equal(reflect[8..16], reflect[24..32]);
        for (int copy = 1; copy < 6; copy++) Assert.Equal(reflect[..40], reflect[(40 * copy)..(40 * copy + 40)]); // 3 planes x 2 images

        var single = new GlobalCanvas(4, 2, 1, 1, 1).Input([7]);
        Assert.All(single, v => Assert.Equal(7f, v));
    }

    [Fact]
    public void The_CPU_keeps_its_own_shape_and_its_results()
    {
        var cpu = new ShapeRecorder(gpu: false);
        var auto = new Colorizer(new ContextModel(64)).Predict(Photo(), null, Fine);
        var own = new Colorizer(new ContextModel(64)) { Tuning = Shape(GlobalPassShape.Own) }.Predict(Photo(), null, Fine);
        new Colorizer(cpu).Predict(Photo(), null, Fine);
        Assert.Equal((1, 32, 64), cpu.Runs[0]);
        Assert.Null(auto.Detail!.GlobalCanvas);
        Assert.Equal(own.A, auto.A); // bit for bit, with a model that is not pointwise
        Assert.Equal(own.B, auto.B);
    }

    [Fact]
    public void Forced_on_the_CPU_the_canvas_changes_a_model_that_sees_the_whole_image()
    {
        // The quality check's seam (--global-shape tiles): it does run the canvas, and with a model whose colours follow
        // the image's mean the padded area shows up (why the padding is measured, docs/performance.md).
        var own = new Colorizer(new ContextModel(64)).Predict(Photo(), null, Fine);
        var tiles = new Colorizer(new ContextModel(64)) { Tuning = Shape(GlobalPassShape.Tiles) }.Predict(Photo(), null, Fine);
        Assert.NotNull(tiles.Detail!.GlobalCanvas);
        Assert.NotEqual(own.A, tiles.A);
    }

    [Fact]
    public void Global_only_jobs_on_a_GPU_keep_their_own_shape()
    {
        var model = new ShapeRecorder(gpu: true);
        new Colorizer(model) { Capacity = Gpu() }.Predict(Photo(), null, new ColorizeSettings { Detail = DetailMode.Global });
        Assert.Equal([(1, 32, 64)], model.Runs);
    }

    [Fact]
    public void A_fixed_size_GPU_model_only_fills_the_batch()
    {
        var model = new ShapeRecorder(gpu: true, dynamic: false);
        var field = new Colorizer(model) { Capacity = Gpu() }.Predict(Photo(), null, Fine);
        var own = new Colorizer(new ShapeRecorder(gpu: true, dynamic: false)) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Own) }
            .Predict(Photo(), null, Fine);
        Assert.Equal([(4, 64, 64)], model.Runs.Distinct());
        Assert.False(field.Detail!.GlobalCanvas!.Padded);
        Assert.Equal("4x64x64", field.Detail.GlobalCanvas.ToString());
        Assert.Equal(own.A, field.A);
        Assert.Equal(own.B, field.B);
    }

    [Fact]
    public void A_model_with_a_batch_fixed_to_one_is_not_run_more_often()
    {
        // Such a model batches by repeated runs of one image: filling a batch would only repeat the global pass.
        var fixedSize = new ShapeRecorder(gpu: true, dynamic: false, batchOfOne: true);
        var field = new Colorizer(fixedSize) { Capacity = Gpu() }.Predict(Photo(), null, Fine);
        Assert.Null(field.Detail!.GlobalCanvas); // S x S at batch 1 is the global grid already
        Assert.Equal([(1, 64, 64)], fixedSize.Runs.Distinct());

        var dynamic = new ShapeRecorder(gpu: true, batchOfOne: true);
        field = new Colorizer(dynamic) { Capacity = Gpu(), Tuning = Shape(GlobalPassShape.Tiles) }.Predict(Photo(), null, Fine);
        Assert.Equal(1, field.Detail!.GlobalCanvas!.Batch);
        Assert.Equal([(1, 64, 64)], dynamic.Runs.Distinct());
    }

    [Fact]
    public void The_VRAM_planners_budget_covers_the_global_pass_at_the_tiles_shape()
    {
        // peak = 500 + 1000 MiB/MP * N * S^2 under 0.8 x 2000: the planner picks the tiles, and every run of the job,
        // the global pass included, is one of the shapes it admitted.
        var memory = new MemoryModel(500, 1000);
        var capacity = new VramDetailCapacity(memory, () => 2000);
        var model = new ShapeRecorder(gpu: true, dynamic: false);
        var field = new Colorizer(model) { Capacity = capacity }.Predict(Photo(), null, Fine);
        var plan = field.Detail!.Plan!;
        Assert.Single(model.Runs.Distinct());
        Assert.All(model.Runs, r => Assert.True(memory.PredictMiB(r.N, Math.Max(r.H, r.W)) <= VramPlanner.Budget(2000, null)));
        Assert.Equal(plan.Batch, field.Detail.GlobalCanvas!.Batch);
    }

    [Fact]
    public void A_grid_that_the_tiles_input_cannot_hold_keeps_its_own_shape()
    {
        var plan = DetailPlanner.Plan(new PixelRect(0, 0, 1024, 640), 256, 160, 64, true, new DetailCapacity(2, 64), null);
        var gpu = new ShapeRecorder(gpu: true);
        var cpu = new ShapeRecorder(gpu: false);
        Assert.Null(GlobalCanvas.For(GlobalPassShape.Tiles, plan, 96, 32, gpu)); // 96 > 64
        Assert.NotNull(GlobalCanvas.For(GlobalPassShape.Tiles, plan, 64, 32, gpu));
        Assert.Null(GlobalCanvas.For(GlobalPassShape.Auto, plan, 64, 32, gpu)); // would pad
        Assert.NotNull(GlobalCanvas.For(GlobalPassShape.Auto, plan, 64, 64, gpu));
        Assert.Null(GlobalCanvas.For(GlobalPassShape.Auto, null, 64, 64, gpu));
        Assert.Null(GlobalCanvas.For(GlobalPassShape.Own, plan, 64, 64, gpu));
        Assert.Null(GlobalCanvas.For(GlobalPassShape.Auto, plan, 64, 64, cpu));
        Assert.NotNull(GlobalCanvas.For(GlobalPassShape.Tiles, plan, 64, 32, cpu));
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_message()
    {
        var canvas = new GlobalCanvas(8, 8, 2, 4, 4);
        Assert.Contains("4x4 grid needs 16", Assert.Throws<ArgumentException>(() => canvas.Input(new float[15])).Message);
        Assert.Contains("2x2x8x8 needs 256", Assert.Throws<ArgumentException>(() => canvas.Crop(new float[255], new float[32])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GlobalCanvas.For(GlobalPassShape.Tiles, null, 0, 4, new ShapeRecorder(true)));
        var roi = new PixelRect(0, 0, 40, 40);
        var error = Assert.Throws<ArgumentException>(() => GlobalChromaPass.FromLightness(new float[16], 4, 4, roi, new ShapeRecorder(true), default,
            new GlobalCanvas(8, 8, 1, 4, 2)));
        Assert.Contains("4x2 grid; the global grid is 4x4", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => (DetailTuning.Default with { GlobalShape = (GlobalPassShape)7 }).Validate());
    }

    /// <summary>A pointwise colouriser (ab from each cell's gray) that may say it runs on a GPU, recording every engine run's shape.</summary>
    private sealed class ShapeRecorder(bool gpu, bool dynamic = true, bool batchOfOne = false, int size = 64) : IChromaModel
    {
        private readonly FunctionModel _inner = new(g => (60 * g - 20, 15 - 30 * g), size, dynamic);
        public readonly List<(int N, int H, int W)> Runs = [];
        public string Description => "shape recorder";
        public int PreferredSize => size;
        public bool DynamicSize => dynamic;
        public bool ShapeChangesCost => gpu;
        public int RunBatch(int batch) => batchOfOne ? 1 : batch;

        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            if (!dynamic) Assert.Equal((64, 64), (height, width));
            for (int run = 0; run < batch / RunBatch(batch); run++) Runs.Add((RunBatch(batch), height, width));
            _inner.Predict(gray, batch, height, width, ab, cancellation);
        }
    }

    /// <summary>a = 100 x the image's place in the batch; b = the cell's index in the image.</summary>
    private sealed class BatchIndexModel : IChromaModel
    {
        public string Description => "batch index";
        public int PreferredSize => 32;
        public bool DynamicSize => true;

        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            int plane = height * width;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < plane; i++)
                {
                    ab[n * 2 * plane + i] = 100 * n;
                    ab[n * 2 * plane + plane + i] = (i / width) * 3 + i % width; // in grid cells of a 3-wide grid
                }
        }
    }
}
