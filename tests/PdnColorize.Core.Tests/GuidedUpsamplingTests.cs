using CsCheck;
using PdnColorize.Core.Color;
using PdnColorize.Core.Detail;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

public class GuidedUpsamplingTests
{
    private static readonly ColorizeSettings Global = new() { Detail = DetailMode.Global };

    private static double Bleed(ChromaUpsampling up, double edgeX, int width = 512, int size = 64, GuidedForm form = GuidedForm.Residual)
    {
        var model = new EdgeBleed.StepModel(size);
        var src = EdgeBleed.StepImage(width, 40, edgeX);
        var colorizer = new Colorizer(model) { Tuning = DetailTuning.Default with { GuidedForm = form } };
        var dst = new BgraImage(width, 40);
        colorizer.Colorize(src, dst, null, Global with { Upsampling = up });
        return EdgeBleed.Step(dst, edgeX, model);
    }

    [Theory]
    [InlineData(203.1)]
    [InlineData(205.5)]
    [InlineData(207.9)]
    public void Colour_stops_at_a_step_edge_with_guided_upsampling_and_bleeds_with_the_others(double edgeX)
    {
        // cells of 8 px; the edge falls at three positions inside a cell
        double nearest = Bleed(ChromaUpsampling.Nearest, edgeX);
        double bilinear = Bleed(ChromaUpsampling.Bilinear, edgeX);
        double guided = Bleed(ChromaUpsampling.Guided, edgeX);
        Assert.True(guided <= 0.5, $"guided bleeds {guided:F2} px");
        Assert.True(bilinear >= 6, $"bilinear bleeds {bilinear:F2} px");
        Assert.True(guided < nearest || nearest == 0, $"nearest {nearest:F2}, guided {guided:F2}");
    }

    [Fact]
    public void The_standard_fast_guided_filter_also_beats_bilinear_on_a_step()
    {
        double standard = Bleed(ChromaUpsampling.Guided, 205.5, form: GuidedForm.Standard);
        Assert.True(standard < Bleed(ChromaUpsampling.Bilinear, 205.5), $"standard form bleeds {standard:F2} px");
    }

    [Fact]
    public void Guided_equals_bilinear_where_the_photo_has_no_detail_below_the_grid()
    {
        // L* a plane in x and y: the grid's bilinear L* reproduces it, so there is nothing below the grid to follow
        // and the residual form must not invent anything, whatever the chroma does.
        int cell = 8, gw = 12, gh = 9, w = gw * cell, h = gh * cell;
        var src = new BgraImage(w, h);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var p = src.Row(y, x, 1);
            p[0] = p[1] = p[2] = (byte)Math.Round(255 * CieLab.GrayFromL(20 + 0.5 * x + 0.3 * y));
            p[3] = 255;
        }
        var guide = GlobalChromaPass.DownsampledLightness(src, src.Bounds, gw, gh, default);
        var chroma = Enumerable.Range(0, gw * gh).Select(i => (float)(i % 7 * 9 - 30)).ToArray();
        var field = new ChromaField(src.Bounds, gw, gh, chroma, chroma.Reverse().ToArray(), "test") { Guide = guide };
        var bilinear = new BgraImage(w, h);
        var guided = new BgraImage(w, h);
        ChromaComposer.Compose(src, bilinear, field with { Upsampling = ChromaUpsampling.Bilinear }, null, 1);
        ChromaComposer.Compose(src, guided, field with { Upsampling = ChromaUpsampling.Guided }, null, 1);
        // inside the outer half cells (where bilinear clamps and stops reproducing the plane)
        for (int y = cell / 2; y < h - cell / 2; y++)
        for (int x = cell / 2; x < w - cell / 2; x++)
        {
            var p = bilinear.Row(y, x, 1);
            var q = guided.Row(y, x, 1);
            for (int c = 0; c < 3; c++) Assert.InRange(p[c] - q[c], -2, 2);
        }
    }

    [Fact]
    public void Constant_chroma_stays_constant_and_in_range()
    {
        var src = TestImages.Gray(300, 200);
        var field = new Colorizer(FunctionModel.Constant(40, -30, 32)).Predict(src, null, Global);
        Assert.Equal(ChromaUpsampling.Guided, field.Upsampling);
        var coefficients = GuidedCoefficients.Fit(field.Guide!, field.A, field.B, field.GridWidth, field.GridHeight);
        Assert.All(coefficients.SlopeA, s => Assert.Equal(0f, s, 4));
        Assert.All(coefficients.SlopeB, s => Assert.Equal(0f, s, 4));
    }

    [Fact]
    public void Fused_guided_rows_match_the_formula_on_bilinear_planes()
    {
        Gen.Int[1, 30].Select(Gen.Int[1, 20], Gen.Int[1, 300], Gen.Int[1, 120], Gen.Int[0, 10000]).Sample(t =>
        {
            var (gw, gh, ow, oh, seed) = t;
            var rng = new Random(seed);
            float[] Rand(float scale) => Enumerable.Range(0, gw * gh).Select(_ => (float)(rng.NextDouble() * scale)).ToArray();
            var l = Rand(100); var a = Rand(200); var b = Rand(200);
            for (int i = 0; i < a.Length; i++) { a[i] -= 100; b[i] -= 100; }
            var c = GuidedCoefficients.Fit(l, a, b, gw, gh, 1, 8f);
            int x0 = rng.Next(ow), n = 1 + rng.Next(ow - x0);
            var taps = new UpsampleTaps(gw, gh, ow, oh, x0, n, nearest: false);
            var sampler = new GuidedSampler(c, a, b, l, taps, 127f);
            var reference = new BilinearSampler(gw, gh, ow, oh);
            var full = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 100)).ToArray();
            var ga = new float[n]; var gb = new float[n];
            var pa = new float[n]; var pb = new float[n]; var pl = new float[n]; var sa = new float[n]; var sb = new float[n];
            var scratch = new float[gw];
            foreach (int y in Enumerable.Range(0, oh).Where(_ => rng.Next(4) == 0).Append(oh - 1))
            {
                sampler.SampleRow(y, full, ga, gb);
                reference.SampleRow(a, y, x0, pa, scratch); reference.SampleRow(b, y, x0, pb, scratch);
                reference.SampleRow(l, y, x0, pl, scratch);
                reference.SampleRow(c.SlopeA, y, x0, sa, scratch); reference.SampleRow(c.SlopeB, y, x0, sb, scratch);
                for (int i = 0; i < n; i++)
                {
                    double ea = Math.Clamp(pa[i] + sa[i] * (full[i] - pl[i]), -127, 127);
                    double eb = Math.Clamp(pb[i] + sb[i] * (full[i] - pl[i]), -127, 127);
                    Assert.InRange(ga[i] - ea, -2e-2, 2e-2);
                    Assert.InRange(gb[i] - eb, -2e-2, 2e-2);
                }
            }
        }, iter: 60);
    }

    [Fact]
    public void Row_upsampler_matches_the_bilinear_and_nearest_samplers()
    {
        Gen.Int[1, 40].Select(Gen.Int[1, 30], Gen.Int[1, 400], Gen.Int[1, 150], Gen.Int[0, 10000]).Sample(t =>
        {
            var (gw, gh, ow, oh, seed) = t;
            var rng = new Random(seed);
            var grid = Enumerable.Range(0, gw * gh).Select(_ => (float)rng.NextDouble() * 100).ToArray();
            int x0 = rng.Next(ow), n = 1 + rng.Next(ow - x0);
            var bilinear = new RowUpsampler(new UpsampleTaps(gw, gh, ow, oh, x0, n, false), grid);
            var nearest = new RowUpsampler(new UpsampleTaps(gw, gh, ow, oh, x0, n, true), grid);
            var refBilinear = new BilinearSampler(gw, gh, ow, oh);
            var refNearest = new NearestSampler(gw, gh, ow, oh);
            var got = new float[n]; var want = new float[n];
            for (int y = 0; y < oh; y += 1 + rng.Next(5))
            {
                bilinear.Sample(0, y, got);
                refBilinear.SampleRow(grid, y, x0, want, new float[gw]);
                for (int i = 0; i < n; i++) Assert.InRange(got[i] - want[i], -1e-3, 1e-3);
                nearest.Sample(0, y, got);
                refNearest.SampleRow(grid, y, x0, want);
                Assert.Equal(want, got);
            }
        });
    }

    [Fact]
    public void Guided_compose_of_a_render_tile_matches_the_whole_image()
    {
        // Hosts compose tile by tile; guided rows must not depend on where a tile starts (a wrong column offset into
        // the stretched grid rows would shift colour by whole cells).
        var src = HarmonyScene();
        var colorizer = new Colorizer(new ContextModel(64));
        var field = colorizer.Predict(src, null, Global);
        var whole = new BgraImage(src.Width, src.Height);
        colorizer.Compose(src, whole, field, null, Global);
        var tiled = new BgraImage(src.Width, src.Height);
        foreach (var area in new[] { new PixelRect(0, 0, 123, 77), new PixelRect(123, 0, 177, 77), new PixelRect(0, 77, 300, 123) })
            colorizer.Compose(src, tiled, field, null, Global, area);
        // Equal up to one level: the row's vector body and scalar tail (L*, Lab -> sRGB) round differently, and where a
        // tile starts moves pixels between the two.
        var p = whole.Pixels.ToArray(); var q = tiled.Pixels.ToArray();
        for (int i = 0; i < p.Length; i++) Assert.InRange(p[i] - q[i], -1, 1);
    }

    private static BgraImage HarmonyScene() => DetailHarmonizationTests.Scene(300, 200);
}
