using CsCheck;
using PdnColorize.Core.Color;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

public class ComposerTests
{
    private static readonly ColorizeSettings Full = new();

    private static double MeanAbsDeltaL(BgraImage x, BgraImage y)
    {
        double sum = 0;
        for (int j = 0; j < x.Height; j++)
        for (int i = 0; i < x.Width; i++)
        {
            var rx = x.Row(j); var ry = y.Row(j);
            sum += Math.Abs(CieLab.FromSrgb(rx[4 * i + 2] / 255.0, rx[4 * i + 1] / 255.0, rx[4 * i] / 255.0).L
                          - CieLab.FromSrgb(ry[4 * i + 2] / 255.0, ry[4 * i + 1] / 255.0, ry[4 * i] / 255.0).L);
        }
        return sum / (x.Width * x.Height);
    }

    private static bool SamePixel(BgraImage x, BgraImage y, int i, int j) => x.Row(j, i, 1).SequenceEqual(y.Row(j, i, 1));

    [Fact]
    public void Gray_photo_gets_colour_and_keeps_its_lightness()
    {
        var src = TestImages.Gray(120, 80);
        var dst = new BgraImage(120, 80);
        var colorizer = new Colorizer(FunctionModel.Constant(30, -20));
        colorizer.Colorize(src, dst, null, Full);

        Assert.True(MeanAbsDeltaL(src, dst) <= 0.5, $"mean |dL| = {MeanAbsDeltaL(src, dst)}");
        // a = 30, b = -20 is a magenta-ish pink: on mid grays red and blue exceed green.
        var mid = dst.Row(40, 60, 1);
        Assert.True(mid[2] > mid[1] && mid[0] > mid[1], $"BGR {mid[0]},{mid[1]},{mid[2]}");
    }

    [Fact]
    public void Strength_zero_returns_the_input_bit_exactly_in_place_and_not()
    {
        var src = TestImages.Colour(64, 48, seed: 3);
        var original = src.Clone();
        var colorizer = new Colorizer(FunctionModel.Constant(50, 50));
        var dst = new BgraImage(64, 48);
        colorizer.Colorize(src, dst, null, Full with { Strength = 0 });
        Assert.Equal(original.Pixels.ToArray(), dst.Pixels.ToArray());
        colorizer.Colorize(src, src, null, Full with { Strength = 0 });
        Assert.Equal(original.Pixels.ToArray(), src.Pixels.ToArray());
    }

    [Fact]
    public void Strength_one_on_a_colour_photo_with_its_own_chroma_model_changes_little()
    {
        // Strength s blends source chroma to the model's: a model that answers gray (a=b=0) at s=0.5 halves chroma.
        var src = TestImages.Colour(32, 32, seed: 5);
        var dst = new BgraImage(32, 32);
        new Colorizer(FunctionModel.Constant(0, 0)).Colorize(src, dst, null, Full with { Strength = 0.5 });
        var l = new float[32]; var a = new float[32]; var b = new float[32];
        var l2 = new float[32]; var a2 = new float[32]; var b2 = new float[32];
        LabRow.FromBgra(src.Row(10), l, a, b);
        LabRow.FromBgra(dst.Row(10), l2, a2, b2);
        for (int i = 0; i < 32; i++)
        {
            Assert.InRange(a2[i], a[i] / 2 - 2.5, a[i] / 2 + 2.5);
            Assert.InRange(b2[i], b[i] / 2 - 2.5, b[i] / 2 + 2.5);
        }
    }

    [Fact]
    public void Strength_above_one_adds_chroma_and_keeps_lightness()
    {
        var src = TestImages.Gray(64, 64);
        var one = new BgraImage(64, 64); var two = new BgraImage(64, 64);
        var model = FunctionModel.Constant(20, 15);
        new Colorizer(model).Colorize(src, one, null, Full);
        new Colorizer(model).Colorize(src, two, null, Full with { Strength = 2 });
        Assert.True(MeanAbsDeltaL(src, two) <= 0.6);
        double Chroma(BgraImage img)
        {
            double sum = 0; var l = new float[64]; var a = new float[64]; var b = new float[64];
            for (int y = 0; y < 64; y++) { LabRow.FromBgra(img.Row(y), l, a, b); for (int i = 0; i < 64; i++) sum += Math.Sqrt(a[i] * a[i] + b[i] * b[i]); }
            return sum;
        }
        Assert.True(Chroma(two) > 1.5 * Chroma(one));
    }

    [Fact]
    public void Pixels_outside_the_selection_are_untouched_and_alpha_is_kept()
    {
        Gen.Int[8, 90].Select(Gen.Int[8, 90], Gen.Int[0, 1000]).Sample(t =>
        {
            var (w, h, seed) = t;
            var src = TestImages.Gray(w, h, alphaRamp: true);
            var rng = new Random(seed);
            int sx = rng.Next(w), sy = rng.Next(h);
            var sel = new PixelRect(sx, sy, 1 + rng.Next(w - sx), 1 + rng.Next(h - sy));
            var coverage = new byte[sel.Area];
            rng.NextBytes(coverage);
            for (int i = 0; i < coverage.Length; i += 3) coverage[i] = 0;
            var mask = new SelectionMask(sel, coverage);
            var dst = new BgraImage(w, h);
            new Colorizer(FunctionModel.Constant(40, 30, size: 32)).Colorize(src, dst, mask, Full with { MinContextPixels = 4 });
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (mask.Coverage(x, y) == 0) Assert.True(SamePixel(src, dst, x, y), $"pixel {x},{y} changed outside the selection");
                Assert.Equal(src.Row(y, x, 1)[3], dst.Row(y, x, 1)[3]);
            }
        });
    }

    [Fact]
    public void Partial_coverage_blends_between_source_and_full_result()
    {
        var src = TestImages.Gray(40, 40);
        var full = new BgraImage(40, 40); var half = new BgraImage(40, 40);
        var model = FunctionModel.Constant(60, 40, size: 32);
        var colorizer = new Colorizer(model);
        var region = new PixelRect(0, 0, 40, 40);
        var chroma = colorizer.Predict(src, SelectionMask.Rectangle(region), Full);
        colorizer.Compose(src, full, chroma, SelectionMask.Rectangle(region), Full);
        var halfMask = new SelectionMask(region, Enumerable.Repeat((byte)128, 1600).ToArray());
        colorizer.Compose(src, half, chroma, halfMask, Full);
        for (int y = 0; y < 40; y += 7)
        for (int x = 0; x < 40; x += 5)
        for (int c = 0; c < 3; c++)
        {
            int s = src.Row(y, x, 1)[c], f = full.Row(y, x, 1)[c], m = half.Row(y, x, 1)[c];
            Assert.InRange(m, Math.Min(s, f), Math.Max(s, f));
            Assert.InRange(Math.Abs(m - (s + f) / 2.0), 0, 1.0);
        }
    }

    [Fact]
    public void Compose_writes_only_the_requested_area()
    {
        var src = TestImages.Gray(50, 50);
        var dst = new BgraImage(50, 50);
        dst.Pixels.Span.Fill(7);
        var colorizer = new Colorizer(FunctionModel.Constant(30, 30, size: 32));
        var chroma = colorizer.Predict(src, null, Full);
        var area = new PixelRect(10, 20, 15, 5);
        colorizer.Compose(src, dst, chroma, null, Full, area);
        for (int y = 0; y < 50; y++)
        for (int x = 0; x < 50; x++)
            if (!area.Contains(x, y)) Assert.True(dst.Row(y, x, 1).ToArray().All(v => v == 7));
            else Assert.NotEqual(7, dst.Row(y, x, 1)[3]);
    }

    [Fact]
    public void Model_is_fed_the_gray_of_L_and_sees_the_region_with_its_margin()
    {
        var src = TestImages.Colour(200, 100);
        var model = FunctionModel.Constant(0, 0, size: 64);
        var chroma = new Colorizer(model).Predict(src, SelectionMask.Rectangle(new PixelRect(90, 40, 20, 20)), Full);
        Assert.Equal(new PixelRect(26, 0, 148, 100), chroma.Region); // margin max(64, 25% of 20) clamped
        Assert.Equal((32, 64), model.LastShape);                     // aspect kept, long side 64, multiples of 32
        var input = model.LastInput!;
        int plane = 64 * 32;
        for (int i = 0; i < plane; i++)
        {
            Assert.Equal(input[i], input[plane + i]);
            Assert.Equal(input[i], input[2 * plane + i]);
            Assert.InRange(input[i], 0f, 1f);
        }
    }

    [Fact]
    public void Fixed_size_models_get_a_square_grid()
    {
        var model = new FunctionModel(_ => (0, 0), size: 96, dynamic: false);
        new Colorizer(model).Predict(TestImages.Gray(300, 100), null, Full);
        Assert.Equal((96, 96), model.LastShape);
    }

    [Fact]
    public void Ab_beyond_the_lab_range_is_clamped_and_NaN_is_refused()
    {
        var src = TestImages.Gray(32, 32);
        var chroma = new Colorizer(FunctionModel.Constant(500, -500, 32)).Predict(src, null, Full);
        Assert.All(chroma.A, v => Assert.Equal(127f, v));
        Assert.All(chroma.B, v => Assert.Equal(-127f, v));
        Assert.Throws<ModelOutputException>(() => new Colorizer(FunctionModel.Constant(float.NaN, 0, 32)).Predict(src, null, Full));
    }

    [Fact]
    public void Cancellation_stops_before_writing()
    {
        var src = TestImages.Gray(64, 64);
        var dst = new BgraImage(64, 64);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new Colorizer(FunctionModel.Constant(1, 1, 32)).Colorize(src, dst, null, Full, cts.Token));
        Assert.All(dst.Pixels.ToArray(), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(2.01)]
    [InlineData(double.NaN)]
    public void Strength_outside_its_range_is_refused(double strength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (Full with { Strength = strength }).Validate());
    }
}
