using PdnColorize.Core.Detail;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Tests;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Quality.Tests;

/// <summary>The overlap disagreement: what a seam is made of, measured on the tiles themselves.</summary>
public class OverlapDisagreementTests
{
    private static DetailPlan TwoByOne() =>
        DetailPlanner.Plan(new PixelRect(0, 0, 200, 100), 200, 100, 128, true, new DetailCapacity(1, 128), null);

    [Fact]
    public void Tiles_that_agree_disagree_by_zero_and_a_constant_offset_is_measured_exactly()
    {
        var plan = TwoByOne();
        Assert.Equal((2, 1), (plan.X.Count, plan.Y.Count));
        int n = plan.X.Extent * plan.Y.Extent;
        var same = new OverlapDisagreement();
        same.Harmonised(plan, 0, 0, Fill(n, 10), Fill(n, -5));
        same.Harmonised(plan, 1, 0, Fill(n, 10), Fill(n, -5));
        var (mean, cells, pairs) = same.Measure();
        Assert.Equal(0, mean);
        Assert.Equal(1, pairs);
        // Both tiles have weight on the ramp cells only (the first and last cell of the overlap hold a hair of each).
        Assert.Equal(plan.X.RampAfter(0) * (long)plan.Y.Extent, cells);

        var apart = new OverlapDisagreement();
        apart.Harmonised(plan, 0, 0, Fill(n, 10), Fill(n, -5));
        apart.Harmonised(plan, 1, 0, Fill(n, 13), Fill(n, -1)); // (3, 4) apart: 5
        Assert.Equal(5, apart.Measure().Mean, 5);
    }

    [Fact]
    public void The_colorizer_feeds_the_observer_every_harmonised_tile()
    {
        // A model that answers by the gray level only: tiles see the same cells, so with no harmonisation they agree.
        var agree = new OverlapDisagreement();
        var model = new FunctionModel(g => (g * 40, 10));
        var colorizer = new Colorizer(model) { TileObserver = agree };
        var field = colorizer.Predict(TestImages.Gray(640, 400), null,
            new ColorizeSettings { Detail = DetailMode.Fine, Harmonization = ChromaHarmonization.None });
        var (mean, _, pairs) = agree.Measure();
        var plan = field.Detail!.Plan!;
        int expected = (plan.X.Count - 1) * plan.Y.Count + plan.X.Count * (plan.Y.Count - 1) + 2 * (plan.X.Count - 1) * (plan.Y.Count - 1);
        Assert.Equal(expected, pairs);
        Assert.Equal(0, mean, 4);
    }

    private static float[] Fill(int n, float v) => Enumerable.Repeat(v, n).ToArray();
}
