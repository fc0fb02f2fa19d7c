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
/// <param name="GuidedForm">Guided upsampling: standard fast guided filter or bilinear plus guided detail.</param>
/// <param name="BorderFade">Detail cells over which the fused chroma hands back to the global pass at the region's
/// borders, where tiles see the model's padding (<see cref="Detail.BorderFade"/>); 0 = none.</param>
/// <param name="GlobalShape">The global pass's input shape when the detail pass tiles (<see cref="GlobalPassShape"/>):
/// Auto in the product; the others are for measuring what one shape per job costs in colour.</param>
public sealed record DetailTuning(
    double SplitSigma = 1.0,
    double AffineRidge = 25.0,
    int GuidedRadius = 1,
    float GuidedEps = 64f,
    GuidedForm GuidedForm = GuidedForm.Residual,
    int BorderFade = 8,
    GlobalPassShape GlobalShape = GlobalPassShape.Auto)
{
    public static readonly DetailTuning Default = new();

    public void Validate()
    {
        if (!(SplitSigma > 0 && SplitSigma <= 64)) throw new ArgumentOutOfRangeException(nameof(SplitSigma));
        if (!(AffineRidge >= 0)) throw new ArgumentOutOfRangeException(nameof(AffineRidge));
        if (GuidedRadius is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(GuidedRadius));
        if (!(GuidedEps > 0)) throw new ArgumentOutOfRangeException(nameof(GuidedEps));
        if (BorderFade is < 0 or > 256) throw new ArgumentOutOfRangeException(nameof(BorderFade));
        if (!Enum.IsDefined(GlobalShape)) throw new ArgumentOutOfRangeException(nameof(GlobalShape), $"unknown global pass shape {(int)GlobalShape}");
    }
}
