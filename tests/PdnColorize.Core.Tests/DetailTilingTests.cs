using CsCheck;
using PdnColorize.Core.Detail;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Tests;

/// <summary>Properties of the tile layout: coverage, partition of unity, bounds; huge sizes by arithmetic only.</summary>
public class DetailTilingTests
{
    /// <summary>Walks every cell of an axis: covered, weights sum to 1, tiles inside, at most two tiles weigh.</summary>
    internal static void CheckAxisExhaustively(AxisTiling axis)
    {
        Assert.InRange(axis.Count, 1, int.MaxValue);
        Assert.Equal(0, axis.Start(0));
        Assert.Equal(axis.Length, axis.End(axis.Count - 1));
        for (int i = 0; i < axis.Count; i++)
        {
            Assert.InRange(axis.Start(i), 0, axis.Length - axis.Extent);
            if (i > 0)
            {
                Assert.True(axis.Start(i) > axis.Start(i - 1), "starts increase");
                Assert.True(axis.OverlapAfter(i - 1) >= axis.AskedOverlap, $"overlap {axis.OverlapAfter(i - 1)} < {axis.AskedOverlap}");
                Assert.True(axis.Start(i) <= axis.End(i - 1), "no gap between tiles");
            }
        }
        var weights = new float[axis.Extent];
        var sum = new double[axis.Length];
        var holders = new int[axis.Length];
        for (int i = 0; i < axis.Count; i++)
        {
            axis.Weights(i, weights);
            for (int k = 0; k < axis.Extent; k++)
            {
                Assert.InRange(weights[k], 0f, 1f);
                sum[axis.Start(i) + k] += weights[k];
                if (weights[k] > 0) holders[axis.Start(i) + k]++;
            }
        }
        for (long x = 0; x < axis.Length; x++)
        {
            Assert.InRange(sum[x], 1 - 1e-6, 1 + 1e-6);
            Assert.InRange(holders[x], 1, 2);
        }
    }

    [Fact]
    public void Every_cell_is_covered_and_weights_sum_to_one_for_random_axes()
    {
        Gen.Int[1, 4000].Select(Gen.Int[1, 600], Gen.Double[0, 0.5]).Sample(t =>
        {
            var (length, tile, share) = t;
            int overlap = Math.Min(tile - 1, (int)(share * tile));
            CheckAxisExhaustively(new AxisTiling(length, tile, overlap));
        }, iter: 300);
    }

    [Theory]
    [InlineData(1, 256, 32)]
    [InlineData(2, 1, 0)]
    [InlineData(257, 256, 32)]      // one cell longer than a tile: two tiles overlapping almost entirely
    [InlineData(7919, 256, 32)]     // a prime
    [InlineData(104729, 509, 61)]   // primes everywhere
    [InlineData(65535, 256, 32)]    // Paint.NET's longest side
    [InlineData(4, 2, 1)]           // the smallest layout with three tiles
    [InlineData(1000, 256, 0)]      // no overlap asked
    public void Chosen_sizes_are_covered_with_a_partition_of_unity(int length, int tile, int overlap) =>
        CheckAxisExhaustively(new AxisTiling(length, tile, overlap));

    [Fact]
    public void Ramps_are_raised_cosines_across_the_overlap()
    {
        var axis = new AxisTiling(1024, 256, 32);
        Assert.True(axis.Ramp >= 32, $"ramp {axis.Ramp}");
        long r0 = axis.RampStart(0);
        // symmetric: the handover is half-way in the middle of the ramp, and monotonic
        float previous = 1f;
        for (int k = 0; k < axis.Ramp; k++)
        {
            float w = axis.Weight(0, r0 + k);
            Assert.True(w <= previous);
            previous = w;
            Assert.InRange(w + axis.Weight(0, r0 + axis.Ramp - 1 - k), 1 - 1e-6, 1 + 1e-6);
        }
    }

    [Fact]
    public void Huge_axes_are_planned_by_arithmetic_alone()
    {
        // A trillion cells: nothing of that size may be allocated; sampled cells still sum to one.
        Gen.Long[1, 1_000_000_000_000L].Select(Gen.Int[32, 4096], Gen.Long[0, long.MaxValue]).Sample(t =>
        {
            var (length, tile, pick) = t;
            if (length / Math.Max(1, tile - tile / 8) > int.MaxValue - 2) return; // more tiles than an int counts
            var axis = new AxisTiling(length, tile, tile / 8);
            Assert.Equal(axis.Length, axis.End(axis.Count - 1));
            var rng = new Random((int)(pick & 0x7fffffff));
            for (int s = 0; s < 20; s++)
            {
                long x = (long)(rng.NextDouble() * length);
                if (x >= length) x = length - 1;
                var (first, last) = axis.TilesAt(x);
                Assert.True(axis.Start(first) <= x && x < axis.End(first));
                Assert.True(axis.Start(last) <= x && x < axis.End(last));
                Assert.True(first == 0 || axis.End(first - 1) <= x, "first is the first tile holding x");
                Assert.True(last == axis.Count - 1 || axis.Start(last + 1) > x, "last is the last tile holding x");
                double sum = 0;
                for (int i = first; i <= last; i++) sum += axis.Weight(i, x);
                Assert.InRange(sum, 1 - 1e-6, 1 + 1e-6);
                if (first > 0) Assert.Equal(0f, axis.Weight(first - 1, x));
            }
        }, iter: 200);
    }

    [Fact]
    public void Two_dimensional_weights_sum_to_one_and_tiles_stay_inside_the_grid()
    {
        Gen.Int[1, 700].Select(Gen.Int[1, 700], Gen.Int[1, 4], Gen.Bool).Sample(t =>
        {
            var (gw, gh, batch, dynamic) = t;
            int size = dynamic ? 64 : 96;
            var plan = DetailPlanner.Plan(new PixelRect(0, 0, gw * 3, gh * 3), gw, gh, size, dynamic, new DetailCapacity(batch, 64), null);
            Assert.InRange(plan.Batch, 1, batch);
            // evened out, but never more calls than the capacity's largest batch would need
            long tiles = plan.TileCount;
            Assert.Equal((tiles + batch - 1) / batch, (tiles + plan.Batch - 1) / plan.Batch);
            PlanAssertions.TilesInsideAndWeightsSumToOne(plan, gw, gh, tile =>
            {
                Assert.True(plan.InputWidth >= tile.Width && plan.InputHeight >= tile.Height);
                Assert.Equal(0, plan.InputWidth % 32);
                if (!dynamic) Assert.Equal((96, 96), (plan.InputWidth, plan.InputHeight));
            });
        }, iter: 100);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 65535)]
    [InlineData(65535, 1)]
    [InlineData(65535, 65535)]
    [InlineData(7919, 104729 % 65535)]
    public void Planner_arithmetic_holds_for_extreme_regions(int w, int h)
    {
        var region = new PixelRect(0, 0, w, h);
        foreach (double scale in new[] { 1.0, 4.0, 16.0 })
        foreach (int size in new[] { 32, 256, 4096 })
        {
            var (gw, gh) = DetailPlanner.DetailGrid(region, size, scale);
            Assert.InRange(gw, 1, w); Assert.InRange(gh, 1, h);
            Assert.True(Math.Max(gw, gh) <= Math.Max(1, (long)(scale * size)) || (gw == w && gh == h));
            var plan = DetailPlanner.Plan(region, gw, gh, size, true, new DetailCapacity(4, size), null);
            Assert.True(plan.HostBytes > 0, "no overflow in the memory estimate");
            Assert.True(plan.TileCount >= 1);
            Assert.Equal(gw, plan.X.End(plan.X.Count - 1));
            Assert.Equal(gh, plan.Y.End(plan.Y.Count - 1));
            Assert.All(plan.TileEdgesX, e => Assert.InRange(e, 0, w));
        }
    }

    [Fact]
    public void Detail_grid_keeps_the_aspect_and_is_capped_by_the_scale()
    {
        Assert.Equal((1024, 640), DetailPlanner.DetailGrid(new PixelRect(0, 0, 2560, 1600), 256, 4));
        Assert.Equal((683, 1024), DetailPlanner.DetailGrid(new PixelRect(5, 5, 4000, 6000), 256, 4));
        Assert.Equal((300, 200), DetailPlanner.DetailGrid(new PixelRect(0, 0, 300, 200), 256, 4)); // smaller than the cap: full resolution
        Assert.Equal((1, 1024), DetailPlanner.DetailGrid(new PixelRect(0, 0, 1, 65535), 256, 4));
    }

    private static ColorizeSettings Settings(DetailMode mode) => new() { Detail = mode };

    [Fact]
    public void Auto_runs_the_detail_pass_only_when_the_region_is_much_larger_than_the_model()
    {
        var cpu = CpuDetailCapacity.Default;
        var big = DetailPlanner.Decide(new PixelRect(0, 0, 2560, 1600), 256, true, Settings(DetailMode.Auto), cpu, 1L << 34);
        Assert.Equal(DetailMode.Fine, big.Chosen);
        Assert.NotNull(big.Plan);
        Assert.Contains("10.0x", big.Reason);

        var small = DetailPlanner.Decide(new PixelRect(0, 0, 600, 400), 256, true, Settings(DetailMode.Auto), cpu, 1L << 34);
        Assert.Equal(DetailMode.Global, small.Chosen);
        Assert.Contains("auto tiles from 3x at the least", small.Reason);

        // 5x the model: worth tiling on a GPU, not on the CPU, where each tile costs a model run of ~80 ms.
        var mid = new PixelRect(0, 0, 1280, 800);
        var midCpu = DetailPlanner.Decide(mid, 256, true, Settings(DetailMode.Auto), cpu, 1L << 34);
        Assert.Equal(DetailMode.Global, midCpu.Chosen);
        Assert.Contains("auto tiles from 6x on CPU", midCpu.Reason);
        var gpu = new DelegateDetailCapacity("GPU", _ => new DetailCapacity(4, 256));
        Assert.Equal(DetailMode.Fine, DetailPlanner.Decide(mid, 256, true, Settings(DetailMode.Auto), gpu, 1L << 34).Chosen);

        var asked = DetailPlanner.Decide(new PixelRect(0, 0, 600, 400), 256, true, Settings(DetailMode.Fine), cpu, 1L << 34);
        Assert.Equal(DetailMode.Fine, asked.Chosen);

        var fits = DetailPlanner.Decide(new PixelRect(0, 0, 200, 100), 256, true, Settings(DetailMode.Fine), cpu, 1L << 34);
        Assert.Equal(DetailMode.Global, fits.Chosen);
        Assert.Contains("fits", fits.Reason);

        var global = DetailPlanner.Decide(new PixelRect(0, 0, 2560, 1600), 256, true, Settings(DetailMode.Global), cpu, 1L << 34);
        Assert.Equal(DetailMode.Global, global.Chosen);
    }

    [Fact]
    public void Auto_stays_global_when_memory_or_the_device_does_not_allow_tiles()
    {
        var region = new PixelRect(0, 0, 4000, 3000);
        var none = new DelegateDetailCapacity("busy GPU", _ => null);
        var d = DetailPlanner.Decide(region, 256, true, Settings(DetailMode.Auto), none, 1L << 34);
        Assert.Equal(DetailMode.Global, d.Chosen);
        Assert.Contains("busy GPU", d.Reason);

        var tight = new DelegateDetailCapacity("tight", _ => new DetailCapacity(1, 256, HostBudgetBytes: 1 << 20));
        var m = DetailPlanner.Decide(region, 256, true, Settings(DetailMode.Auto), tight, 1L << 34);
        Assert.Equal(DetailMode.Global, m.Chosen);
        Assert.Contains("MiB", m.Reason);
    }

    [Fact]
    public void A_device_planner_sets_tile_size_and_batch()
    {
        DetailCapacityRequest seen = default;
        var gpu = new DelegateDetailCapacity("vram planner", r => { seen = r; return new DetailCapacity(6, 512 + 7); });
        var d = DetailPlanner.Decide(new PixelRect(0, 0, 8000, 6000), 512, true, Settings(DetailMode.Auto), gpu, 1L << 34);
        Assert.Equal(DetailMode.Fine, d.Chosen);
        Assert.Equal(512, seen.ModelSize);
        Assert.Equal((2048, 1536), (seen.GridWidth, seen.GridHeight));
        Assert.Equal(512, d.Plan!.X.Extent);   // rounded down to a multiple of 32
        Assert.Equal(5, d.Plan.Batch);           // 20 tiles (5x4), at most 6 a call: 4 calls of 5, one batch shape
        Assert.Equal(64, d.Plan.X.AskedOverlap); // S/8

        // a fixed-size model ignores the planner's tile size
        var f = DetailPlanner.Decide(new PixelRect(0, 0, 8000, 6000), 256, false, Settings(DetailMode.Fine), gpu, 1L << 34);
        Assert.Equal((256, 256), (f.Plan!.InputWidth, f.Plan.InputHeight));
    }

    [Fact]
    public void The_engines_vram_planner_plugs_in()
    {
        // 500 MiB base + 1000 MiB per megapixel of batch, 2000 MiB free (budget 0.8 x 2000 = 1600): the planner
        // prefers the larger tile (2S = 512), and 4 of them need 500 + 1000 * 4 * 0.262 = 1549 MiB.
        var memory = new PdnColorize.Engines.Gpu.MemoryModel(500, 1000);
        var gpu = new VramDetailCapacity(memory, () => 2000, maxBatch: 8);
        var plan = gpu.Plan(new DetailCapacityRequest(256, true, 1024, 640));
        Assert.NotNull(plan);
        Assert.Equal(512, plan!.TileSize);
        Assert.Equal(4, plan.MaxBatch);
        Assert.Contains("fit", gpu.Description);

        var full = new VramDetailCapacity(memory, () => 500);
        var d = DetailPlanner.Decide(new PixelRect(0, 0, 4000, 3000), 256, true, Settings(DetailMode.Auto), full, 1L << 34);
        Assert.Equal(DetailMode.Global, d.Chosen);
        Assert.Contains("MiB needed for one 256px tile, budget 400 MiB) cannot run tiles now", d.Reason);
    }
}
