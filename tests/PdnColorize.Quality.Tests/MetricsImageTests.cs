using PdnColorize.Core.Color;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Quality.Tests;

public sealed class MetricsImageTests
{
    private static BgraImage Solid(int w, int h, byte r, byte g, byte b, byte a = 255)
    {
        var img = new BgraImage(w, h);
        for (int y = 0; y < h; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < w; x++) { row[4 * x] = b; row[4 * x + 1] = g; row[4 * x + 2] = r; row[4 * x + 3] = a; }
        }
        return img;
    }

    [Fact]
    public void Identical_images_score_perfectly()
    {
        var img = TestImages.Colour(33, 17);
        var c = ImageMetrics.Compare(img, img.Clone());
        Assert.Equal(0, c.DeltaE2000);
        Assert.Equal(0, c.MeanAbsDeltaL);
        Assert.Equal(double.PositiveInfinity, c.PsnrRgb);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.PsnrRgb(img, img));
    }

    [Fact]
    public void Psnr_of_a_one_level_error_everywhere_is_20_log10_255()
    {
        var a = Solid(10, 10, 100, 100, 100);
        var b = Solid(10, 10, 101, 99, 101);
        Assert.Equal(20 * Math.Log10(255), ImageMetrics.PsnrRgb(a, b), 9);
        Assert.Equal(20 * Math.Log10(255), ImageMetrics.Compare(a, b).PsnrRgb, 9);
    }

    [Fact]
    public void Psnr_counts_only_rgb()
    {
        // Half the pixels differ by 10 in red only: MSE = (100 * 50) / (3 * 100).
        var a = Solid(10, 10, 50, 50, 50);
        var b = Solid(10, 10, 50, 50, 50, a: 0);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 10; x++) b.Row(y)[4 * x + 2] = 60;
        double mse = 100.0 * 50 / 300;
        Assert.Equal(10 * Math.Log10(255 * 255 / mse), ImageMetrics.PsnrRgb(a, b), 9);
    }

    [Fact]
    public void Alpha_is_ignored()
    {
        var a = TestImages.Gray(16, 16, alphaRamp: true);
        var b = TestImages.Gray(16, 16, alphaRamp: false);
        Assert.Equal(0, ImageMetrics.MeanCiede2000(a, b));
        Assert.Equal(ImageMetrics.Colourfulness(a), ImageMetrics.Colourfulness(b));
    }

    [Fact]
    public void Delta_e_and_delta_l_match_the_per_pixel_formula()
    {
        var a = TestImages.Colour(23, 11, seed: 5);
        var b = TestImages.Colour(23, 11, seed: 6);
        double de = 0, dl = 0;
        for (int y = 0; y < 11; y++)
        for (int x = 0; x < 23; x++)
        {
            var p = a.Row(y).Slice(4 * x, 4); var q = b.Row(y).Slice(4 * x, 4);
            var (l1, a1, b1) = CieLab.FromSrgb(p[2] / 255.0, p[1] / 255.0, p[0] / 255.0);
            var (l2, a2, b2) = CieLab.FromSrgb(q[2] / 255.0, q[1] / 255.0, q[0] / 255.0);
            de += Ciede2000.Delta(l1, a1, b1, l2, a2, b2);
            dl += Math.Abs(l1 - l2);
        }
        var c = ImageMetrics.Compare(a, b);
        Assert.Equal(de / 253, c.DeltaE2000, 10);
        Assert.Equal(dl / 253, c.MeanAbsDeltaL, 10);
        Assert.Equal(c, ImageMetrics.Compare(a, b, threads: 1)); // thread count does not change the sums
    }

    [Fact]
    public void Mean_abs_delta_l_of_two_grays()
    {
        var a = Solid(4, 4, 100, 100, 100);
        var b = Solid(4, 4, 110, 110, 110);
        double expected = CieLab.FromSrgb(110 / 255.0, 110 / 255.0, 110 / 255.0).L - CieLab.FromSrgb(100 / 255.0, 100 / 255.0, 100 / 255.0).L;
        Assert.Equal(expected, ImageMetrics.MeanAbsDeltaL(a, b), 10);
        Assert.Equal(expected, ImageMetrics.MeanAbsDeltaL(b, a), 10);
    }

    [Fact]
    public void Colourfulness_is_zero_for_gray_and_matches_the_definition_otherwise()
    {
        Assert.Equal(0, ImageMetrics.Colourfulness(TestImages.Gray(20, 20)));

        // Uniform red: σ = 0, μ_rg = 255, μ_yb = 127.5.
        Assert.Equal(0.3 * Math.Sqrt(255.0 * 255 + 127.5 * 127.5), ImageMetrics.Colourfulness(Solid(3, 3, 255, 0, 0)), 9);

        // A textured image against a direct two-pass computation in doubles.
        var img = TestImages.Colour(31, 19, seed: 8);
        var rg = new List<double>(); var yb = new List<double>();
        for (int y = 0; y < 19; y++)
        for (int x = 0; x < 31; x++)
        {
            var p = img.Row(y).Slice(4 * x, 4);
            rg.Add(p[2] - p[1]);
            yb.Add(0.5 * (p[2] + p[1]) - p[0]);
        }
        double mr = rg.Average(), my = yb.Average();
        double sr = Math.Sqrt(rg.Sum(v => (v - mr) * (v - mr)) / rg.Count);
        double sy = Math.Sqrt(yb.Sum(v => (v - my) * (v - my)) / yb.Count);
        double expected = Math.Sqrt(sr * sr + sy * sy) + 0.3 * Math.Sqrt(mr * mr + my * my);
        Assert.Equal(expected, ImageMetrics.Colourfulness(img), 9);
    }

    [Fact]
    public void Images_of_different_sizes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ImageMetrics.Compare(new BgraImage(4, 4), new BgraImage(4, 5)));
        Assert.Throws<ArgumentException>(() => ImageMetrics.PsnrRgb(new BgraImage(4, 4), new BgraImage(5, 4)));
    }

    [Fact]
    public void Strided_images_are_read_by_rows()
    {
        var tight = TestImages.Colour(10, 6, seed: 2);
        var wide = new BgraImage(new byte[64 * 6], 10, 6, 64);
        for (int y = 0; y < 6; y++) tight.Row(y).CopyTo(wide.Row(y));
        Assert.Equal(double.PositiveInfinity, ImageMetrics.PsnrRgb(tight, wide));
        Assert.Equal(ImageMetrics.Colourfulness(tight), ImageMetrics.Colourfulness(wide));
    }
}

public sealed class MetricsGrayVersionTests
{
    [Fact]
    public void Gray_version_keeps_lightness_and_drops_colour()
    {
        var colour = TestImages.Colour(40, 30, seed: 11);
        var gray = GrayVersion.Of(colour);
        for (int y = 0; y < 30; y++)
        {
            var row = gray.Row(y);
            for (int i = 0; i < row.Length; i += 4)
            {
                Assert.Equal(row[i], row[i + 1]);
                Assert.Equal(row[i], row[i + 2]);
                Assert.Equal(colour.Row(y)[i + 3], row[i + 3]);
            }
        }
        Assert.Equal(0, ImageMetrics.Colourfulness(gray));
        // 8-bit rounding of the gray moves L* by well under one unit.
        Assert.True(ImageMetrics.MeanAbsDeltaL(gray, colour) < 0.3, $"mean |dL| {ImageMetrics.MeanAbsDeltaL(gray, colour)}");
    }

    [Fact]
    public void Gray_pixels_stay_as_they_are()
    {
        var gray = TestImages.Gray(16, 16);
        ImageCodecLikeAssert.Same(gray, GrayVersion.Of(gray));
    }

    private static class ImageCodecLikeAssert
    {
        public static void Same(BgraImage a, BgraImage b)
        {
            for (int y = 0; y < a.Height; y++) Assert.True(a.Row(y).SequenceEqual(b.Row(y)), $"row {y} differs");
        }
    }
}
