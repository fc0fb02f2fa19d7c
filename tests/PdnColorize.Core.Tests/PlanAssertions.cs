using PdnColorize.Core.Detail;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Tests;

/// <summary>What every tile layout must satisfy, whoever placed the tiles.</summary>
internal static class PlanAssertions
{
    /// <summary>Every tile inside the grid, and the 2-D blend weights summing to 1 on every cell.</summary>
    /// <param name="eachTile">Extra checks of one tile (its rectangle on the grid).</param>
    public static void TilesInsideAndWeightsSumToOne(DetailPlan plan, int gw, int gh, Action<PixelRect>? eachTile = null)
    {
        var sum = new double[gw * gh];
        var wx = new float[plan.X.Extent]; var wy = new float[plan.Y.Extent];
        for (int ty = 0; ty < plan.Y.Count; ty++)
        for (int tx = 0; tx < plan.X.Count; tx++)
        {
            var tile = plan.Tile(tx, ty);
            Assert.True(new PixelRect(0, 0, gw, gh).Contains(tile), $"tile {tile} leaves the {gw}x{gh} grid");
            eachTile?.Invoke(tile);
            plan.X.Weights(tx, wx); plan.Y.Weights(ty, wy);
            for (int y = 0; y < tile.Height; y++)
            for (int x = 0; x < tile.Width; x++)
                sum[(tile.Y + y) * gw + tile.X + x] += wx[x] * wy[y];
        }
        Assert.All(sum, s => Assert.InRange(s, 1 - 1e-5, 1 + 1e-5));
    }
}
