namespace PdnColorize.Core.Detail;

/// <summary>Sees each tile's chroma after harmonisation, before it is blended (for measurements).</summary>
public interface ITileObserver
{
    /// <param name="a">The tile's a* over its Extent x Extent cells, row-major; valid only during the call.</param>
    void Harmonised(DetailPlan plan, int tx, int ty, ReadOnlySpan<float> a, ReadOnlySpan<float> b);
}
