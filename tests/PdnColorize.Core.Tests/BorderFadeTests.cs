using PdnColorize.Core.Detail;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Core.Tests;

public class BorderFadeTests
{
    [Fact]
    public void Border_cells_take_the_global_chroma_and_the_interior_is_untouched()
    {
        const int w = 40, h = 30, cells = 6;
        var a = Enumerable.Repeat(10f, w * h).ToArray(); var b = Enumerable.Repeat(-4f, w * h).ToArray();
        var ga = Enumerable.Repeat(2f, w * h).ToArray(); var gb = Enumerable.Repeat(8f, w * h).ToArray();
        BorderFade.Apply(a, b, ga, gb, w, h, cells);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int d = Math.Min(Math.Min(x, w - 1 - x), Math.Min(y, h - 1 - y));
            float ta = (a[y * w + x] - 2f) / 8f, tb = (b[y * w + x] - 8f) / -12f; // share of the fused value kept
            Assert.Equal(ta, tb, 5);
            if (d >= cells) Assert.Equal(1f, ta);
            else Assert.InRange(ta, 0f, 0.99f);
            if (d == 0) Assert.InRange(ta, 0f, 0.1f); // the outermost ring is almost all global
        }
        // kept share grows with the distance to the border along a row through the middle
        for (int x = 1; x <= cells; x++) Assert.True(a[15 * w + x] > a[15 * w + x - 1]);
    }

    [Fact]
    public void No_cells_changes_nothing()
    {
        var a = new float[] { 1, 2, 3, 4 }; var b = new float[] { 5, 6, 7, 8 };
        BorderFade.Apply(a, b, new float[4], new float[4], 2, 2, 0);
        Assert.Equal([1f, 2, 3, 4], a); Assert.Equal([5f, 6, 7, 8], b);
    }

    /// <summary>
    /// A model that answers a flat colour, but something else in the outermost cells of a tile (a square input), as
    /// zero padding makes a real one do. The global pass (a 3:2 input here) gets the flat colour everywhere, so what
    /// the fine field shows at the border tells which of the two it came from.
    /// </summary>
    private sealed class PaddingModel(int size) : IChromaModel
    {
        public string Description => "padding stand-in";
        public int PreferredSize => size;
        public bool DynamicSize => true;

        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            int plane = height * width;
            for (int n = 0; n < batch; n++)
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                bool edge = width == height && Math.Min(Math.Min(x, width - 1 - x), Math.Min(y, height - 1 - y)) < 2;
                ab[n * 2 * plane + y * width + x] = edge ? 60 : 20;
                ab[n * 2 * plane + plane + y * width + x] = edge ? -60 : -10;
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Fine_mode_keeps_the_models_padding_answer_off_the_picture_border(int fade)
    {
        // With the fade, the region's outermost detail cells carry the global chroma, not the tiles' edge answer.
        var src = TestImages.Gray(900, 600);
        var colorizer = new Colorizer(new PaddingModel(64)) { Tuning = DetailTuning.Default with { BorderFade = fade } };
        var field = colorizer.Predict(src, null, new ColorizeSettings { Detail = DetailMode.Fine });
        Assert.Equal(DetailMode.Fine, field.Detail!.Chosen);
        int w = field.GridWidth, h = field.GridHeight;
        float corner = field.A[0], edgeMiddle = field.A[(h / 2) * w], centre = field.A[(h / 2) * w + w / 2];
        Assert.Equal(20f, centre, 1);
        if (fade == 0) Assert.True(edgeMiddle > 30, $"without the fade the tile's edge answer shows: {edgeMiddle}");
        else Assert.True(edgeMiddle < 25 && corner < 30, $"with the fade the border is near the interior colour: {edgeMiddle}, {corner}");
    }
}

public class BorderSpansTests
{
    [Theory]
    [InlineData(0, 10, 6, 2, 0, 10, 0, 0)]  // top rows: the whole row
    [InlineData(5, 10, 6, 2, 0, 10, 0, 0)]  // bottom rows too
    [InlineData(3, 10, 6, 2, 0, 2, 8, 10)]  // middle rows: both ends
    [InlineData(3, 4, 6, 2, 0, 4, 0, 0)]    // ends that meet: the whole row
    public void Rows_near_the_border_are_whole_and_others_keep_only_their_ends(int y, int w, int h, int band, int s1, int e1, int s2, int e2) =>
        Assert.Equal(new Pixels.BorderSpans(s1, e1, s2, e2), Pixels.BorderSpans.OfRow(y, w, h, band));

    [Fact]
    public void The_border_error_sees_the_border_and_not_the_middle()
    {
        var truth = TestImages.Gray(40, 30);
        var middle = TestImages.Gray(40, 30);
        var border = TestImages.Gray(40, 30);
        foreach (var (img, x, y) in new[] { (middle, 20, 15), (border, 1, 15) })
        {
            var p = img.Row(y, x, 1); p[0] = 0; p[1] = 0; p[2] = 255; // one red pixel
        }
        Assert.Equal(0, Quality.Metrics.ImageMetrics.MeanCiede2000NearBorder(middle, truth, 4));
        double d = Quality.Metrics.ImageMetrics.MeanCiede2000NearBorder(border, truth, 4);
        double one = Quality.Metrics.Ciede2000.Delta(
            Color.CieLab.FromSrgb(truth.Row(15, 1, 1)[2] / 255.0, truth.Row(15, 1, 1)[1] / 255.0, truth.Row(15, 1, 1)[0] / 255.0).L, 0, 0,
            Color.CieLab.FromSrgb(1, 0, 0).L, Color.CieLab.FromSrgb(1, 0, 0).A, Color.CieLab.FromSrgb(1, 0, 0).B);
        Assert.Equal(one / (40 * 30 - 32 * 22), d, 6); // one pixel's difference over the band's 496 pixels
    }
}
