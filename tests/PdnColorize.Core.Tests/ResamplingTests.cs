using CsCheck;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Tests;

public class ResamplingTests
{
    [Fact]
    public void Axis_weights_of_each_target_sum_to_one_and_cover_every_source()
    {
        Gen.Int[1, 3000].Select(Gen.Int[1, 600]).Sample(t =>
        {
            var w = new AxisWeights(t.Item1, t.Item2);
            var sums = new double[t.Item2];
            var seen = new bool[t.Item1];
            for (int k = 0; k < w.Source.Length; k++) { sums[w.Target[k]] += w.Weight[k]; seen[w.Source[k]] = true; }
            Assert.All(sums, s => Assert.InRange(s, 1 - 1e-5, 1 + 1e-5));
            Assert.All(seen, Assert.True);
        });
    }

    [Fact]
    public void Area_downsampler_keeps_constants_and_means()
    {
        Gen.Int[1, 300].Select(Gen.Int[1, 300], Gen.Int[1, 64], Gen.Int[1, 64]).Sample(t =>
        {
            var (w, h, gw, gh) = t;
            var down = new AreaDownsampler(w, h, gw, gh);
            var row = new float[w];
            double total = 0;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++) { row[x] = 42f + ((x + y) % 2 == 0 ? 0 : 0); total += row[x]; }
                down.AddRow(y, row);
            }
            var grid = down.Result();
            Assert.All(grid, v => Assert.InRange(v, 42f - 1e-3f, 42f + 1e-3f));
        });
    }

    [Fact]
    public void Area_downsampler_averages_blocks_exactly()
    {
        // 4x4 -> 2x2 with distinct quadrant values
        var down = new AreaDownsampler(4, 4, 2, 2);
        for (int y = 0; y < 4; y++)
            down.AddRow(y, Enumerable.Range(0, 4).Select(x => (float)((y / 2) * 2 + x / 2) * 10 + (x % 2)).ToArray());
        Assert.Equal(new[] { 0.5f, 10.5f, 20.5f, 30.5f }, down.Result());
    }

    [Fact]
    public void Area_downsampler_refuses_rows_out_of_order()
    {
        var down = new AreaDownsampler(4, 4, 2, 2);
        Assert.Throws<InvalidOperationException>(() => down.AddRow(1, new float[4]));
    }

    [Fact]
    public void Bilinear_sampler_is_identity_at_same_size_and_constant_on_constants()
    {
        var grid = Enumerable.Range(0, 12).Select(i => (float)i).ToArray(); // 4x3
        var same = new BilinearSampler(4, 3, 4, 3);
        var row = new float[4];
        for (int y = 0; y < 3; y++)
        {
            same.SampleRow(grid, y, 0, row, new float[4]);
            Assert.Equal(grid.Skip(y * 4).Take(4), row);
        }
        var constant = Enumerable.Repeat(7f, 12).ToArray();
        var up = new BilinearSampler(4, 3, 41, 17);
        var wide = new float[30];
        up.SampleRow(constant, 9, 5, wide, new float[4]);
        Assert.All(wide, v => Assert.Equal(7f, v, 5));
    }

    [Fact]
    public void Bilinear_sampler_stays_between_neighbours()
    {
        var grid = new float[] { 0, 100, 0, 100 }; // 2x2
        var up = new BilinearSampler(2, 2, 10, 10);
        var row = new float[10];
        up.SampleRow(grid, 4, 0, row, new float[2]);
        for (int i = 1; i < 10; i++) Assert.True(row[i] >= row[i - 1]);
        Assert.Equal(0f, row[0]); Assert.Equal(100f, row[9]);
    }
}

public class BilinearSamplerPropertyTests
{
    [Fact]
    public void Run_based_sampling_matches_the_textbook_formula_for_any_window()
    {
        Gen.Int[1, 40].Select(Gen.Int[1, 30], Gen.Int[1, 500], Gen.Int[1, 200], Gen.Int[0, 10000]).Sample(t =>
        {
            var (gw, gh, ow, oh, seed) = t;
            var rng = new Random(seed);
            var grid = Enumerable.Range(0, gw * gh).Select(_ => (float)rng.NextDouble() * 100).ToArray();
            var sampler = new BilinearSampler(gw, gh, ow, oh);
            int x = rng.Next(ow), len = 1 + rng.Next(ow - x), y = rng.Next(oh);
            var got = new float[len];
            sampler.SampleRow(grid, y, x, got, new float[gw]);
            var (r0, r1, fy) = BilinearSampler.Tap(y, oh, gh);
            for (int i = 0; i < len; i++)
            {
                var (c0, c1, fx) = BilinearSampler.Tap(x + i, ow, gw);
                double top = grid[r0 * gw + c0] + fx * (grid[r0 * gw + c1] - grid[r0 * gw + c0]);
                double bottom = grid[r1 * gw + c0] + fx * (grid[r1 * gw + c1] - grid[r1 * gw + c0]);
                Assert.InRange(Math.Abs(top + fy * (bottom - top) - got[i]), 0, 1e-3);
            }
        });
    }
}

public class RowUpsamplerCacheTests
{
    [Fact]
    public void Going_back_to_an_earlier_band_never_returns_one_row_for_both_neighbours()
    {
        // A thread that composes a lower band and then an upper one asks for grid rows out of order.
        var grid = Enumerable.Range(0, 8 * 6).Select(i => (float)(i / 8)).ToArray(); // row r holds value r
        var taps = new UpsampleTaps(8, 6, 64, 48, 0, 64, nearest: false);
        var up = new RowUpsampler(taps, grid);
        var expected = new float[64];
        var got = new float[64];
        foreach (int y in new[] { 40, 41, 5, 6, 30, 2, 45 })
        {
            up.Sample(0, y, got);
            new RowUpsampler(taps, grid).Sample(0, y, expected); // a fresh cache: nothing to get wrong
            Assert.Equal(expected, got);
        }
    }
}
