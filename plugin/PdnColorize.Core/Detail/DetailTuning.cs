using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Detail;

/// <summary>
/// The numbers behind the detail pass and the guided upsampling, chosen by measurement (docs/quality.md) and kept
/// in one place so the quality command can sweep them. Hosts use <see cref="Default"/>.
/// </summary>
/// <param name="SplitSigma">Frequency split: the low-pass that takes the global pass's chroma is a Gaussian of this
/// many global-grid cells (converted to detail cells by the scale between the two grids).</param>
/// <param name="AffineRidge">Affine fit: pull toward the identity map, in (ab units)^2; a flat tile then only shifts.</param>
/// <param name="GuidedRadius">Guided upsampling: window radius on the model grid, in cells.</param>
/// <param name="GuidedEps">Guided upsampling: regularisation in (L*)^2.</param>
/// <param name="SplitAfterBlend">Frequency split once on the blended grid (true) or on every tile before blending.</param>
/// <param name="FullOverlapRamps">Tiles hand over across their whole overlap (true, default) or across the asked overlap
/// O in its middle (false). Measured: the same for harmonised tiles; for unharmonised ones the short ramp shows the
/// stitch (seam score at ramp centres 2.03 vs 1.48).</param>
/// <param name="GuidedForm">Guided upsampling: standard fast guided filter or bilinear plus guided detail.</param>
/// <param name="Placement">Where the tiles go: evenly spread, or moved within <paramref name="PlacementSlack"/> to better
/// lines (<see cref="SeamPlacement"/>).</param>
/// <param name="PlacementSlack">How far a placed tile may move from its even place, as a share of the tile.</param>
/// <param name="PlacementSeed">Seed of the <see cref="TilePlacement.Jittered"/> control.</param>
/// <param name="BorderFade">Detail cells over which the fused chroma hands back to the global pass at the region's
/// borders, where tiles see the model's padding (<see cref="Detail.BorderFade"/>); 0 = none.</param>
/// <param name="CanvasPadding">How the global pass's grid is padded when it runs at the tiles' shape (<see cref="GlobalCanvas"/>).</param>
public sealed record DetailTuning(
    double SplitSigma = 1.0,
    double AffineRidge = 25.0,
    int GuidedRadius = 1,
    float GuidedEps = 64f,
    GuidedForm GuidedForm = GuidedForm.Residual,
    bool SplitAfterBlend = false,
    bool FullOverlapRamps = true,
    TilePlacement Placement = TilePlacement.Even,
    double PlacementSlack = 0.125,
    int PlacementSeed = 0,
    int BorderFade = 8,
    CanvasPadding CanvasPadding = CanvasPadding.Reflect)
{
    public static readonly DetailTuning Default = new();

    public void Validate()
    {
        if (!(SplitSigma > 0 && SplitSigma <= 64)) throw new ArgumentOutOfRangeException(nameof(SplitSigma));
        if (!(AffineRidge >= 0)) throw new ArgumentOutOfRangeException(nameof(AffineRidge));
        if (GuidedRadius is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(GuidedRadius));
        if (!(GuidedEps > 0)) throw new ArgumentOutOfRangeException(nameof(GuidedEps));
        if (!(PlacementSlack >= 0 && PlacementSlack <= 0.5)) throw new ArgumentOutOfRangeException(nameof(PlacementSlack));
        if (BorderFade is < 0 or > 256) throw new ArgumentOutOfRangeException(nameof(BorderFade));
        if (!Enum.IsDefined(CanvasPadding)) throw new ArgumentOutOfRangeException(nameof(CanvasPadding));
    }
}
