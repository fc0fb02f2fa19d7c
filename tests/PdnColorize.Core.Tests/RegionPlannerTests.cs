using CsCheck;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Tests;

public class RegionPlannerTests
{
    private static readonly PixelRect Image = new(0, 0, 1000, 800);

    [Fact]
    public void No_selection_means_the_whole_image() =>
        Assert.Equal(Image, RegionPlanner.RegionOfInterest(Image, null, 0.25, 64));

    [Fact]
    public void Margin_is_a_quarter_of_the_larger_side_but_at_least_the_minimum()
    {
        Assert.Equal(new PixelRect(300, 300, 400 + 200, 100 + 200), RegionPlanner.RegionOfInterest(Image, new PixelRect(400, 400, 400, 100), 0.25, 64));
        Assert.Equal(new PixelRect(436, 436, 138, 138), RegionPlanner.RegionOfInterest(Image, new PixelRect(500, 500, 10, 10), 0.25, 64));
    }

    [Fact]
    public void Region_is_clamped_to_the_image_and_contains_the_selection()
    {
        Gen.Int[-200, 1100].Select(Gen.Int[-200, 900], Gen.Int[1, 1200], Gen.Int[1, 1000]).Sample(t =>
        {
            var sel = new PixelRect(t.Item1, t.Item2, t.Item3, t.Item4);
            if (sel.Intersect(Image).IsEmpty)
            {
                Assert.Throws<ArgumentException>(() => RegionPlanner.RegionOfInterest(Image, sel, 0.25, 64));
                return;
            }
            var roi = RegionPlanner.RegionOfInterest(Image, sel, 0.25, 64);
            Assert.True(Image.Contains(roi));
            Assert.True(roi.Contains(sel.Intersect(Image)));
        });
    }

    [Theory]
    [InlineData(4000, 3000, 256, 256, 192)]
    [InlineData(3000, 4000, 512, 384, 512)]
    [InlineData(10, 5000, 256, 32, 256)]
    public void Dynamic_grid_keeps_aspect_with_multiples_of_32(int w, int h, int size, int gw, int gh) =>
        Assert.Equal((gw, gh), RegionPlanner.GlobalGrid(new PixelRect(0, 0, w, h), size, dynamicSize: true));
}
