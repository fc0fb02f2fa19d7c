using PdnColorize.Core.Detail;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

/// <summary>
/// A colouriser stand-in whose answer depends on what the whole input looks like, as a real one does: a colour cast
/// set by the input's mean gray and a ramp across the input. Tiles of one photo then disagree with each other and
/// with the global pass: the situation harmonisation exists for.
/// </summary>
internal sealed class ContextModel(int size) : IChromaModel
{
    public int Calls;
    public int LargestBatch;
    public string Description => "context stand-in";
    public int PreferredSize => size;
    public bool DynamicSize => true;

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Calls);
        LargestBatch = Math.Max(LargestBatch, batch);
        int plane = height * width;
        for (int n = 0; n < batch; n++)
        {
            double mean = 0;
            for (int i = 0; i < plane; i++) mean += gray[n * 3 * plane + i];
            mean /= plane;
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                float g = gray[n * 3 * plane + i];
                float ramp = (float)(x - width / 2) / width;
                ab[n * 2 * plane + i] = 40 * g - 20 + (float)(40 * (mean - 0.5)) + 20 * ramp;
                ab[n * 2 * plane + plane + i] = 25 - 50 * g + (float)(30 * (0.5 - mean)) + 12 * ramp;
            }
        }
    }
}

public class DetailHarmonizationTests
{
    private static float[] Plane(int w, int h, Func<int, int, float> f)
    {
        var p = new float[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) p[y * w + x] = f(x, y);
        return p;
    }

    [Fact]
    public void Frequency_split_takes_low_frequencies_from_global_and_keeps_the_tiles_detail()
    {
        const int w = 96, h = 80;
        // global: a smooth gradient; tile: a different smooth cast + fine texture the global pass cannot see
        var ga = Plane(w, h, (x, y) => 10 + 0.2f * x);
        var gb = Plane(w, h, (x, y) => -5 + 0.1f * y);
        float Texture(int x, int y) => ((x / 2 + y / 2) % 2 == 0 ? 6f : -6f);
        var a = Plane(w, h, (x, y) => 30 - 0.1f * x + Texture(x, y));
        var b = Plane(w, h, (x, y) => 20 + Texture(x, y));
        Harmonizer.FrequencySplit(a, b, ga, gb, w, h, sigma: 6, new float[2 * w * h]);

        // away from the borders (the low-pass is one-sided there) the result is global + texture
        for (int y = 20; y < h - 20; y++)
        for (int x = 20; x < w - 20; x++)
        {
            Assert.InRange(a[y * w + x] - (ga[y * w + x] + Texture(x, y)), -1.0, 1.0);
            Assert.InRange(b[y * w + x] - (gb[y * w + x] + Texture(x, y)), -1.0, 1.0);
        }
        // and the tile-wide cast is gone everywhere: the means agree with the global pass
        Assert.InRange(a.Average() - ga.Average(), -0.5, 0.5);
        Assert.InRange(b.Average() - gb.Average(), -0.5, 0.5);
    }

    [Fact]
    public void Affine_fit_recovers_an_affine_cast_exactly_without_ridge()
    {
        const int n = 500;
        var rng = new Random(4);
        var ga = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 80 - 40)).ToArray();
        var gb = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 80 - 40)).ToArray();
        // tile = M * global + t with M = [[0.8, 0.1], [-0.2, 1.1]], t = (7, -3)
        var a = ga.Select((v, i) => 0.8f * v + 0.1f * gb[i] + 7).ToArray();
        var b = ga.Select((v, i) => -0.2f * v + 1.1f * gb[i] - 3).ToArray();
        Harmonizer.AffineFit(a, b, ga, gb, n, ridge: 0);
        for (int i = 0; i < n; i++)
        {
            Assert.InRange(a[i] - ga[i], -0.01, 0.01);
            Assert.InRange(b[i] - gb[i], -0.01, 0.01);
        }
    }

    [Fact]
    public void Affine_fit_of_a_flat_tile_only_shifts_it()
    {
        const int n = 100;
        var a = Enumerable.Repeat(5f, n).ToArray();
        var b = Enumerable.Repeat(-5f, n).ToArray();
        var ga = Enumerable.Range(0, n).Select(i => 20f + (i % 2)).ToArray();
        var gb = Enumerable.Repeat(10f, n).ToArray();
        var (m, _) = Harmonizer.AffineFit(a, b, ga, gb, n, ridge: 25);
        Assert.Equal(1, m[0], 3); Assert.Equal(0, m[1], 3); Assert.Equal(0, m[2], 3); Assert.Equal(1, m[3], 3);
        Assert.All(a, v => Assert.Equal(20.5f, v, 3));
        Assert.All(b, v => Assert.Equal(10f, v, 3));
    }

    private static (BgraImage Global, BgraImage Fine, ChromaField Field) Run(BgraImage src, ChromaHarmonization h, IChromaModel model)
    {
        var colorizer = new Colorizer(model) { Capacity = new DelegateDetailCapacity("test", r => new DetailCapacity(3, r.ModelSize)) };
        var settings = new ColorizeSettings { Detail = DetailMode.Global };
        var global = new BgraImage(src.Width, src.Height);
        colorizer.Colorize(src, global, null, settings);
        var fine = new BgraImage(src.Width, src.Height);
        var field = colorizer.Colorize(src, fine, null, settings with { Detail = DetailMode.Fine, Harmonization = h });
        return (global, fine, field);
    }

    /// <summary>A photo-like test image: smooth shading, a few soft shapes, one hard edge.</summary>
    internal static BgraImage Scene(int w, int h)
    {
        var img = new BgraImage(w, h);
        for (int y = 0; y < h; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < w; x++)
            {
                double v = 90 + 60 * Math.Sin(x * 0.011) * Math.Cos(y * 0.017) + 40.0 * y / h;
                double dx = x - 0.3 * w, dy = y - 0.6 * h;
                if (dx * dx + dy * dy < 0.04 * w * w) v = 200;
                if (x > 0.7 * w) v *= 0.6;
                byte g = (byte)Math.Clamp(v, 0, 255);
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = g;
                row[4 * x + 3] = 255;
            }
        }
        return img;
    }

    [Fact]
    public void Harmonised_tiles_show_no_seams_and_keep_the_global_colour_story()
    {
        var src = Scene(960, 600);
        var model = new ContextModel(64);
        var (global, fine, field) = Run(src, ChromaHarmonization.FrequencySplit, model);
        var plan = field.Detail!.Plan!;
        Assert.Equal(DetailMode.Fine, field.Detail.Chosen);
        Assert.True(plan.TileCount >= 6, plan.ToString());
        Assert.Equal(3, model.LargestBatch); // tiles went through the model in batches

        var seam = SeamScore.Compute(fine, plan.Region, plan.TileEdgesX, plan.TileEdgesY);
        var centres = SeamScore.Compute(fine, plan.Region, plan.RampCentresX, plan.RampCentresY);
        Assert.True(seam.Score <= 1.05, $"seam score {seam.Score:F3}");
        Assert.True(centres.Score <= 1.05, $"seam score at ramp centres {centres.Score:F3}");
        double drift = Drift.Compute(fine, global);
        Assert.True(drift <= 2.0, $"drift {drift:F2}");

        // Without harmonisation the same tiles drift from the global story by far more.
        var (_, raw, _) = Run(src, ChromaHarmonization.None, new ContextModel(64));
        double rawDrift = Drift.Compute(raw, global);
        Assert.True(rawDrift > 2 * drift, $"unharmonised drift {rawDrift:F2} vs {drift:F2}");
    }

    [Fact]
    public void Affine_fit_also_ties_tiles_to_the_global_pass()
    {
        var src = Scene(960, 600);
        var (global, fine, field) = Run(src, ChromaHarmonization.AffineFit, new ContextModel(64));
        var plan = field.Detail!.Plan!;
        Assert.True(SeamScore.Compute(fine, plan.Region, plan.TileEdgesX, plan.TileEdgesY).Score <= 1.1);
        var (_, raw, _) = Run(src, ChromaHarmonization.None, new ContextModel(64));
        Assert.True(Drift.Compute(fine, global) < Drift.Compute(raw, global));
    }

    [Fact]
    public void A_naive_stitch_is_caught_by_the_seam_score()
    {
        // Control for the metric: chroma that jumps at the ramp centres scores well above 1.
        var src = Scene(600, 400);
        var field = new Colorizer(FunctionModel.Constant(0, 0, 64)).Predict(src, null, new ColorizeSettings { Detail = DetailMode.Fine });
        var plan = field.Detail!.Plan!;
        var centresX = plan.RampCentresX;
        var a = new float[field.GridWidth * field.GridHeight];
        for (int y = 0; y < field.GridHeight; y++)
        for (int x = 0; x < field.GridWidth; x++)
        {
            double px = (x + 0.5) * src.Width / field.GridWidth;
            a[y * field.GridWidth + x] = 8 * centresX.Count(c => c < px) + 0.02f * x;
        }
        var stitched = field with { A = a, Upsampling = ChromaUpsampling.Nearest };
        var dst = new BgraImage(src.Width, src.Height);
        ChromaComposer.Compose(src, dst, stitched, null, 1);
        Assert.True(SeamScore.Compute(dst, plan.Region, centresX, []).Score > 1.5);
    }

    [Fact]
    public void A_constant_model_gives_the_same_picture_in_both_modes()
    {
        var src = TestImages.Gray(700, 300);
        var model = FunctionModel.Constant(25, -10, 64);
        var colorizer = new Colorizer(model);
        var global = new BgraImage(700, 300); var fine = new BgraImage(700, 300);
        colorizer.Colorize(src, global, null, new ColorizeSettings { Detail = DetailMode.Global });
        var field = colorizer.Colorize(src, fine, null, new ColorizeSettings { Detail = DetailMode.Fine });
        Assert.Equal(DetailMode.Fine, field.Detail!.Chosen);
        Assert.All(field.A, v => Assert.Equal(25f, v, 3));
        Assert.All(field.B, v => Assert.Equal(-10f, v, 3));
        for (int i = 0; i < global.Pixels.Length; i++)
            Assert.InRange(global.Pixels.Span[i] - fine.Pixels.Span[i], -1, 1);
    }
}
