using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality.Tests;

public sealed class ColourRecallTests
{
    private static BgraImage Solid(int w, int h, byte r, byte g, byte b)
    {
        var img = new BgraImage(w, h);
        for (int y = 0; y < h; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < w; x++) { row[4 * x] = b; row[4 * x + 1] = g; row[4 * x + 2] = r; row[4 * x + 3] = 255; }
        }
        return img;
    }

    [Fact]
    public void Only_pixels_coloured_enough_in_the_truth_count()
    {
        // a* = 20 (eligible), a* = 14.9 (not: below 15), gray (not)
        double[] aTrue = [20, 14.9, 0], bTrue = [0, 0, 0];
        double[] a = [20, 20, 20], b = [0, 0, 0];
        var c = ColourRecallCounts.OfRow(a, b, aTrue, bTrue);
        Assert.Equal(new ColourRecallCounts(1, 1), c);
        Assert.Equal(1.0, c.Recall);
    }

    [Theory]
    [InlineData(8.0, 0.0, true)]     // chroma 8 at the same hue: counts
    [InlineData(7.9, 0.0, false)]    // chroma below 8: too little colour
    [InlineData(30.0, 29.9, true)]   // 44.9 degrees away
    [InlineData(30.0, 30.2, false)]  // 45.2 degrees away
    [InlineData(-40.0, 0.0, false)]  // the opposite hue, however strong
    public void A_hit_needs_chroma_8_and_a_hue_within_45_degrees(double a, double b, bool hit)
    {
        var c = ColourRecallCounts.OfRow([a], [b], [40.0], [0.0]);
        Assert.Equal(1, c.Eligible);
        Assert.Equal(hit ? 1 : 0, c.Hits);
    }

    [Fact]
    public void Without_coloured_truth_the_recall_is_undefined_and_sums_pool_pixels()
    {
        var none = ColourRecallCounts.OfRow([10.0], [10.0], [1.0], [1.0]);
        Assert.True(double.IsNaN(none.Recall));
        Assert.Equal(0.25, (new ColourRecallCounts(1, 3) + new ColourRecallCounts(0, 1)).Recall);
    }

    [Fact]
    public void Compare_counts_a_gray_result_as_missing_every_colour_and_the_truth_as_finding_it()
    {
        var red = Solid(12, 5, 200, 30, 30);
        var gray = Solid(12, 5, 80, 80, 80);
        var missed = ImageMetrics.Compare(gray, red).Recall;
        Assert.Equal(60, missed.Eligible);
        Assert.Equal(0, missed.Hits);
        Assert.Equal(1.0, ImageMetrics.Compare(red.Clone(), red).Recall.Recall);
    }
}
