using PdnColorize.Core.Color;
using PdnColorize.Core.Detail;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

public class DetailPipelineTests
{
    [Fact]
    public void Auto_says_what_it_chose_and_why()
    {
        var model = new ContextModel(64);
        var colorizer = new Colorizer(model);
        var big = colorizer.Predict(TestImages.Gray(640, 400), null, new ColorizeSettings());
        Assert.Equal(DetailMode.Auto, big.Detail!.Requested);
        Assert.Equal(DetailMode.Fine, big.Detail.Chosen);
        Assert.Contains("10.0x the model's 64 px", big.Detail.Reason);
        Assert.Contains("tiles", big.Detail.ToString());
        Assert.Equal((256, 160), (big.GridWidth, big.GridHeight)); // detail scale 4 x S
        Assert.Equal(big.GridWidth * big.GridHeight, big.Guide!.Length);

        var small = colorizer.Predict(TestImages.Gray(150, 100), null, new ColorizeSettings());
        Assert.Equal(DetailMode.Global, small.Detail!.Chosen);
        Assert.StartsWith("detail global (", small.Detail.ToString());
    }

    [Fact]
    public void Fine_mode_counts_the_tiles_through_the_model()
    {
        var model = new ContextModel(64);
        var colorizer = new Colorizer(model) { Capacity = new DelegateDetailCapacity("t", r => new DetailCapacity(4, r.ModelSize)) };
        var field = colorizer.Predict(TestImages.Gray(640, 400), null, new ColorizeSettings { Detail = DetailMode.Fine });
        var plan = field.Detail!.Plan!;
        Assert.Equal(1 + plan.Calls, model.Calls); // the global pass + the batches
        Assert.Equal(4, model.LargestBatch);
        Assert.True(field.Detail.TileInferenceTime <= field.InferenceTime);
    }

    [Theory]
    [InlineData(1, 3000)]
    [InlineData(3000, 1)]
    [InlineData(2, 2)]
    [InlineData(997, 13)]
    public void Thin_and_tiny_regions_colourise_in_every_mode(int w, int h)
    {
        var src = TestImages.Gray(w, h);
        foreach (var mode in new[] { DetailMode.Auto, DetailMode.Global, DetailMode.Fine })
        foreach (var up in new[] { ChromaUpsampling.Nearest, ChromaUpsampling.Bilinear, ChromaUpsampling.Guided })
        {
            var dst = new BgraImage(w, h);
            var field = new Colorizer(FunctionModel.Constant(30, 20, 32)).Colorize(src, dst, null,
                new ColorizeSettings { Detail = mode, Upsampling = up });
            Assert.All(field.A, v => Assert.Equal(30f, v, 3));
            var p = dst.Row(h / 2, w / 2, 1);
            Assert.True(p[2] > p[1], $"{mode}/{up}: no colour at the centre");
        }
    }

    [Fact]
    public void Fixed_size_models_get_square_tiles_in_fine_mode()
    {
        var model = new FunctionModel(g => (40 * g - 20, 10), size: 64, dynamic: false);
        var field = new Colorizer(model).Predict(TestImages.Gray(500, 90), null, new ColorizeSettings { Detail = DetailMode.Fine });
        Assert.Equal(DetailMode.Fine, field.Detail!.Chosen);
        Assert.Equal((64, 64), model.LastShape);
        Assert.Equal((256, 46), (field.GridWidth, field.GridHeight));
    }

    [Fact]
    public void Strength_zero_is_still_the_input_with_the_detail_pass_and_guided_upsampling()
    {
        var src = TestImages.Colour(400, 300, seed: 9);
        var original = src.Clone();
        var colorizer = new Colorizer(new ContextModel(32));
        colorizer.Colorize(src, src, null, new ColorizeSettings { Detail = DetailMode.Fine, Strength = 0 });
        Assert.Equal(original.Pixels.ToArray(), src.Pixels.ToArray());
    }

    [Fact]
    public void Lightness_is_kept_in_fine_mode()
    {
        var src = DetailHarmonizationTests.Scene(640, 400);
        var dst = new BgraImage(640, 400);
        new Colorizer(new ContextModel(64)).Colorize(src, dst, null, new ColorizeSettings { Detail = DetailMode.Fine });
        var a = ImageMetrics.MeanAbsDeltaL(src, dst);
        Assert.True(a <= 0.6, $"mean |dL| {a:F2}");
    }

    [Fact]
    public void Compose_follows_the_settings_upsampling_and_reuses_the_fit()
    {
        var src = DetailHarmonizationTests.Scene(320, 200);
        var colorizer = new Colorizer(new ContextModel(32));
        var field = colorizer.Predict(src, null, new ColorizeSettings { Detail = DetailMode.Global });
        var guided = new BgraImage(320, 200); var bilinear = new BgraImage(320, 200);
        colorizer.Compose(src, guided, field, null, new ColorizeSettings());
        colorizer.Compose(src, bilinear, field, null, new ColorizeSettings { Upsampling = ChromaUpsampling.Bilinear });
        Assert.NotEqual(guided.Pixels.ToArray(), bilinear.Pixels.ToArray());
        Assert.Same(field.FitGuided(), field.FitGuided());
        // a copy with other planes is fitted afresh
        var other = field with { A = field.B, B = field.A };
        Assert.NotSame(field.FitGuided(), other.FitGuided());
    }

    [Fact]
    public void Seam_score_is_one_on_smooth_chroma_and_high_on_a_hard_seam()
    {
        var img = new BgraImage(200, 100);
        void Paint(Func<int, int, (double A, double B)> ab)
        {
            for (int y = 0; y < 100; y++)
            for (int x = 0; x < 200; x++)
            {
                var (a, b) = ab(x, y);
                var (r, g, bl) = CieLab.ToSrgb(60, a, b);
                var p = img.Row(y, x, 1);
                p[0] = (byte)Math.Round(bl * 255); p[1] = (byte)Math.Round(g * 255); p[2] = (byte)Math.Round(r * 255); p[3] = 255;
            }
        }
        Paint((x, y) => (0.3 * x, 0.2 * y - 10));
        var smooth = SeamScore.Compute(img, img.Bounds, [50.0, 120.0], [40.0]);
        Assert.InRange(smooth.Score, 0.9, 1.1);
        Paint((x, y) => (0.3 * x + (x >= 120 ? 15 : 0), 0.2 * y - 10));
        var seam = SeamScore.Compute(img, img.Bounds, [120.0], []);
        Assert.True(seam.Score > 3, $"score {seam.Score:F2}");
        Assert.Equal(4 * 99, seam.NearPixels); // 4 columns within 2 px of x = 120, 99 rows with a row below

        // The shifted-lines control: moved off the step, the same line set scores like content (about 1).
        var gradient = AbGradient.Of(img, img.Bounds);
        Assert.Equal(seam.Score, gradient.Score([120.0], []).Score, 9);
        foreach (double d in new[] { -24.0, 16, 40 })
            Assert.InRange(gradient.Score(SeamScore.Shifted([120.0], d), []).Score, 0.5, 1.2);
    }

    [Fact]
    public void Drift_is_zero_for_equal_images_and_the_colour_difference_for_a_cast()
    {
        var a = TestImages.Colour(160, 120, seed: 2);
        Assert.Equal(0, Drift.Compute(a, a), 6);
        // a uniform image vs the same with a shifted colour: the blur changes nothing, drift = CIEDE2000 of the two
        var p = new BgraImage(160, 120); var q = new BgraImage(160, 120);
        for (int i = 0; i < p.Pixels.Length; i += 4)
        {
            p.Pixels.Span[i] = 90; p.Pixels.Span[i + 1] = 120; p.Pixels.Span[i + 2] = 150; p.Pixels.Span[i + 3] = 255;
            q.Pixels.Span[i] = 80; q.Pixels.Span[i + 1] = 125; q.Pixels.Span[i + 2] = 160; q.Pixels.Span[i + 3] = 255;
        }
        var lp = CieLab.FromSrgb(150 / 255.0, 120 / 255.0, 90 / 255.0);
        var lq = CieLab.FromSrgb(160 / 255.0, 125 / 255.0, 80 / 255.0);
        double expected = Ciede2000.Delta(lp.L, lp.A, lp.B, lq.L, lq.A, lq.B);
        Assert.Equal(expected, Drift.Compute(p, q), 2);
    }
}
