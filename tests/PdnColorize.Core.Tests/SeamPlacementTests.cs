using CsCheck;
using PdnColorize.Core.Detail;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Tests.Shared;
using PdnColorize.Quality;

namespace PdnColorize.Core.Tests;

/// <summary>Tiles at explicit starts (placed by image content or the JPEG lattice) keep every invariant of the blend.</summary>
public class SeamPlacementTests
{
    /// <summary>A cost that is a random function of the line: any placement the DP may reach.</summary>
    private static Func<long, double> RandomCost(int seed)
    {
        var cache = new Dictionary<long, double>();
        var rng = new Random(seed);
        return c => cache.TryGetValue(c, out double v) ? v : cache[c] = rng.NextDouble();
    }

    [Fact]
    public void Placed_axes_are_covered_with_a_partition_of_unity_and_keep_count_extent_and_overlap()
    {
        Gen.Int[1, 4000].Select(Gen.Int[1, 600], Gen.Double[0, 0.5], Gen.Double[0, 0.5], Gen.Int).Sample(t =>
        {
            var (length, tile, share, slackShare, seed) = t;
            int overlap = Math.Min(tile - 1, (int)(share * tile));
            var even = new AxisTiling(length, tile, overlap);
            int slack = (int)(slackShare * tile);
            var placed = SeamPlacement.Place(even, RandomCost(seed), slack);
            Assert.Equal(even.Count, placed.Count);
            Assert.Equal(even.Extent, placed.Extent);
            Assert.Equal(even.AskedOverlap, placed.AskedOverlap);
            for (int i = 0; i < placed.Count; i++)
                Assert.InRange(placed.Start(i), even.Start(i) - slack, even.Start(i) + slack);
            DetailTilingTests.CheckAxisExhaustively(placed);
            if (placed.IsPlaced)
                for (int i = 0; i + 2 < placed.Count; i++)
                    Assert.True(placed.Start(i + 2) >= placed.End(i), "a cell in three tiles");
        }, iter: 300);
    }

    [Theory]
    [InlineData(1, 256, 32)]
    [InlineData(7919, 256, 32)]
    [InlineData(104729, 509, 61)]
    [InlineData(65535, 256, 32)]
    [InlineData(4, 2, 1)]
    [InlineData(1000, 256, 0)]
    [InlineData(1024, 256, 32)]
    public void Chosen_sizes_stay_valid_when_placed(int length, int tile, int overlap)
    {
        var even = new AxisTiling(length, tile, overlap);
        var placed = SeamPlacement.Place(even, RandomCost(length), Math.Max(1, tile / 8));
        DetailTilingTests.CheckAxisExhaustively(placed);
        Assert.Equal(even.Count, placed.Count);
    }

    [Fact]
    public void The_placement_is_the_cheapest_valid_layout_within_the_slack()
    {
        // Brute force over every layout of small axes (every extent, every start in the windows): the DP must find the
        // least total cost of the internal edges.
        Gen.Int[20, 90].Select(Gen.Int[6, 24], Gen.Int[0, 5], Gen.Int[1, 6], Gen.Int[0, 3], Gen.Int, Gen.Bool).Sample(t =>
        {
            var (length, tile, overlap, slack, shrink, seed, pairs) = t;
            overlap = Math.Min(overlap, tile - 1);
            var even = new AxisTiling(length, tile, overlap);
            int n = even.Count;
            if (n < 3 || n > 6) return;
            var cost = RandomCost(seed);
            var pairCost = RandomCost(seed + 1);
            Func<long, long, double>? pair = pairs ? (from, to) => pairCost(from * 1000 + to) : null;
            var placed = SeamPlacement.Place(even, cost, slack, shrink, pair);
            double Total(IReadOnlyList<long> s, int e) =>
                Enumerable.Range(0, s.Count).Sum(i => (s[i] > 0 ? cost(s[i]) : 0) + (s[i] + e < length ? cost(s[i] + e) : 0)) +
                (pair is null ? 0 : Enumerable.Range(1, s.Count - 1).Sum(i => pair(s[i], s[i - 1] + e)));
            double best = double.PositiveInfinity;
            var current = new long[n];
            for (int e = tile; e >= Math.Max(overlap + 1, tile - shrink); e--)
            {
                long last = length - e;
                current[0] = 0;
                current[^1] = last;
                void Search(int i)
                {
                    if (i == n - 1)
                    {
                        if (Valid(current, length, e, overlap)) best = Math.Min(best, Total(current, e));
                        return;
                    }
                    long centre = (2L * i * last + (n - 1)) / (2L * (n - 1)); // evenly spread for this extent
                    for (long s = centre - slack; s <= centre + slack; s++)
                    {
                        current[i] = s;
                        Search(i + 1);
                    }
                }
                Search(1);
            }
            if (!placed.IsPlaced)
            {
                Assert.True(double.IsPositiveInfinity(best), "a valid layout exists but none was placed");
                return;
            }
            Assert.Equal(n, placed.Count);
            var starts = Enumerable.Range(0, n).Select(placed.Start).ToList();
            Assert.InRange(Total(starts, placed.Extent), best - 1e-5, best + 1e-5);
        }, iter: 200);
    }

    /// <summary>The placed rule: ends fixed, every step in [ceil(tile/2), tile - overlap].</summary>
    private static bool Valid(long[] s, int length, int tile, int overlap)
    {
        if (s[0] != 0 || s[^1] != length - tile) return false;
        for (int i = 0; i + 1 < s.Length; i++)
        {
            long step = s[i + 1] - s[i];
            if (step < (tile + 1) / 2 || step > tile - overlap) return false;
        }
        return true;
    }

    [Fact]
    public void From_starts_refuses_layouts_that_break_the_blend()
    {
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, [1, 60]));         // not at 0
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, [0, 50]));         // does not reach the end
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, [0, 35, 60]));     // overlap 5 < 8
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, [0, 20, 30, 60])); // a cell in three tiles
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, [0, 60, 30, 60])); // not increasing
        Assert.Throws<ArgumentException>(() => AxisTiling.FromStarts(100, 40, 8, []));
        DetailTilingTests.CheckAxisExhaustively(AxisTiling.FromStarts(100, 40, 8, [0, 30, 60]));
        DetailTilingTests.CheckAxisExhaustively(AxisTiling.FromStarts(30, 40, 8, [0]));            // one tile, shorter than asked
    }

    [Fact]
    public void Each_pair_hands_over_across_its_own_overlap()
    {
        var axis = AxisTiling.FromStarts(200, 80, 10, [0, 50, 120]);
        Assert.Equal((30, 10), (axis.RampAfter(0), axis.RampAfter(1)));
        Assert.Equal(10, axis.Ramp);
        Assert.True(axis.Weight(1, 50) > 0f && axis.Weight(1, 50) < 0.01f, "tile 1 fades in from its first cell");
        Assert.True(axis.Weight(0, 79) > 0f && axis.Weight(0, 79) < 0.01f, "tile 0 fades out at its last cell");
        var capped = AxisTiling.FromStarts(200, 80, 10, [0, 50, 120], maxRamp: 12);
        Assert.Equal((12, 10), (capped.RampAfter(0), capped.RampAfter(1)));
        DetailTilingTests.CheckAxisExhaustively(capped);
    }

    /// <summary>Pixels from an image position to the nearest 8-px block edge.</summary>
    private static double BlockDistance(double p)
    {
        double m = p - 8 * Math.Floor(p / 8);
        return Math.Min(m, 8 - m);
    }

    [Fact]
    public void Off_jpeg_grid_keeps_every_internal_tile_edge_off_the_block_edges_on_the_photos_layout()
    {
        // The six photos: 2560x1600, a 1024x640 grid, 256-cell tiles, overlap 32: evenly spread, every edge lands on
        // a multiple of 160 px, hence on a JPEG block edge.
        var region = new PixelRect(0, 0, 2560, 1600);
        var even = DetailPlanner.Plan(region, 1024, 640, 256, true, new DetailCapacity(1, 256), null);
        Assert.All(even.TileEdgesX.Concat(even.TileEdgesY), e => Assert.Equal(0, BlockDistance(e)));

        var placed = SeamPlacement.Apply(even, TilePlacement.OffJpegGrid, [], 0.125);
        Assert.Equal((5, 3), (placed.X.Count, placed.Y.Count));
        Assert.Equal(8, placed.TileEdgesX.Count);
        Assert.All(placed.TileEdgesX.Concat(placed.TileEdgesY), e => Assert.True(BlockDistance(e) >= 2, $"edge at {e} px"));
        for (int i = 0; i + 1 < placed.X.Count; i++) Assert.True(placed.X.OverlapAfter(i) >= 32);
        for (int i = 0; i + 1 < placed.Y.Count; i++) Assert.True(placed.Y.OverlapAfter(i) >= 32);
        Assert.Equal(256, placed.InputWidth); // shrunk tiles still go to the model at its own size
        Assert.InRange(placed.X.Extent, 256 - 5, 256);

        // The lattice is the image's: a region that starts 4 px in is placed for its own pixels.
        var shifted = DetailPlanner.Plan(new PixelRect(4, 0, 2560, 1600), 1024, 640, 256, true, new DetailCapacity(1, 256), null);
        var placedShifted = SeamPlacement.Apply(shifted, TilePlacement.OffJpegGrid, [], 0.125);
        Assert.All(placedShifted.TileEdgesX, e => Assert.True(BlockDistance(e) >= 2, $"edge at {e} px"));
        Assert.NotEqual(placed.TileEdgesX.Select(e => e + 4), placedShifted.TileEdgesX);
    }

    [Fact]
    public void Least_structure_moves_tile_edges_off_lines_where_lightness_has_edges()
    {
        // A 1024x640 grid whose L* has a vertical stripe pattern near every evenly spread internal tile edge, flat
        // elsewhere: the placed edges must leave the stripes (the slack of 32 cells allows it).
        int w = 1024, h = 640;
        var region = new PixelRect(0, 0, 2560, 1600);
        var even = DetailPlanner.Plan(region, w, h, 256, true, new DetailCapacity(1, 256), null);
        var busy = new HashSet<long>();
        for (int i = 0; i < even.X.Count; i++)
            foreach (long e in new[] { even.X.Start(i), even.X.End(i) })
                if (e > 0 && e < w) for (long c = e - 10; c < e + 10; c++) busy.Add(c);
        var l = new float[w * h];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            l[y * w + x] = busy.Contains(x) && x % 2 == 0 ? 80f : 40f;

        var placed = SeamPlacement.Apply(even, TilePlacement.LeastStructure, l, 0.125);
        var structure = LightnessStructure.Of(l, w, h);
        for (int i = 1; i + 1 < placed.X.Count; i++)
        {
            Assert.Equal(0, structure.ColumnLine(placed.X.Start(i)));
            Assert.Equal(0, structure.ColumnLine(placed.X.End(i)));
            Assert.True(structure.ColumnLine(even.X.Start(i)) > 0);
        }
        // Rows are flat: nothing to gain, so the rows stay evenly spread (ties go to the even place).
        for (int i = 0; i < placed.Y.Count; i++) Assert.Equal(even.Y.Start(i), placed.Y.Start(i));
    }

    [Fact]
    public void Quiet_overlaps_moves_hand_overs_off_busy_lightness()
    {
        // Stripes in the middle of every evenly spread overlap along x: the placed hand-overs must carry less of them.
        int w = 1024, h = 64;
        var even = DetailPlanner.Plan(new PixelRect(0, 0, 2560, 160), w, h, 256, true, new DetailCapacity(1, 256), null);
        var l = new float[w * h];
        for (int i = 0; i + 1 < even.X.Count; i++)
            for (long c = even.X.Start(i + 1) + 16; c < even.X.End(i) - 16; c += 2)
                for (int y = 0; y < h; y++) l[y * w + c] = 60f;
        var structure = LightnessStructure.Of(l, w, h);
        double HandOvers(AxisTiling axis) =>
            Enumerable.Range(0, axis.Count - 1).Sum(i => structure.ColumnHandOver(axis.Start(i + 1), axis.End(i)));
        var placed = SeamPlacement.Apply(even, TilePlacement.QuietOverlaps, l, 0.125);
        Assert.True(placed.X.IsPlaced);
        Assert.True(HandOvers(placed.X) < 0.5 * HandOvers(even.X), $"{HandOvers(placed.X)} vs {HandOvers(even.X)}");
        DetailTilingTests.CheckAxisExhaustively(placed.X);
    }

    [Fact]
    public void Placed_plans_colourise_with_weights_that_sum_to_one_in_two_dimensions()
    {
        Gen.Int[1, 500].Select(Gen.Int[1, 500], Gen.Int).Sample(t =>
        {
            var (gw, gh, seed) = t;
            var rng = new Random(seed);
            var l = new float[gw * gh];
            for (int i = 0; i < l.Length; i++) l[i] = (float)(rng.NextDouble() * 100);
            var even = DetailPlanner.Plan(new PixelRect(0, 0, gw * 3, gh * 3), gw, gh, 64, true, new DetailCapacity(1, 64), null);
            foreach (var placement in new[] { TilePlacement.OffJpegGrid, TilePlacement.LeastStructure, TilePlacement.QuietOverlaps })
            {
                var plan = SeamPlacement.Apply(even, placement, l, 0.125);
                PlanAssertions.TilesInsideAndWeightsSumToOne(plan, gw, gh);
            }
        }, iter: 60);
    }

    [Fact]
    public void The_colorizer_uses_the_placed_tiles_and_reports_them()
    {
        var model = new FunctionModel(g => (g * 40, 10));
        var colorizer = new Colorizer(model) { Tuning = DetailTuning.Default with { Placement = TilePlacement.OffJpegGrid } };
        var field = colorizer.Predict(TestImages.Gray(640, 400), null, new ColorizeSettings { Detail = DetailMode.Fine });
        var plan = field.Detail!.Plan!;
        Assert.True(plan.X.IsPlaced);
        Assert.Contains("placed at x 0 ", field.Detail.ToString());
        Assert.All(plan.TileEdgesX, e => Assert.True(BlockDistance(e) >= 2, $"edge at {e} px"));
    }
}

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
