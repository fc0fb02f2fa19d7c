using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Pipeline;

/// <summary>Where the model looks: the selection grown by a context margin, clamped to the image.</summary>
public static class RegionPlanner
{
    public static PixelRect RegionOfInterest(PixelRect image, PixelRect? selection, double marginFraction, int minMarginPixels)
    {
        if (selection is not { } sel) return image;
        var clipped = sel.Intersect(image);
        if (clipped.IsEmpty) throw new ArgumentException($"the region {sel} lies outside the {image.Width}x{image.Height} image");
        int margin = Math.Max(minMarginPixels, (int)Math.Ceiling(marginFraction * Math.Max(clipped.Width, clipped.Height)));
        return clipped.Inflate(margin).Intersect(image);
    }

    /// <summary>
    /// The global-pass grid for a region: S x S for fixed-size models; for dynamic ones the region's aspect ratio
    /// with the long side S, both sides multiples of 32 (at least 32), so the model does not see a squashed photo.
    /// </summary>
    public static (int Width, int Height) GlobalGrid(PixelRect roi, int size, bool dynamicSize)
    {
        if (!dynamicSize) return (size, size);
        double scale = (double)size / Math.Max(roi.Width, roi.Height);
        int w = RoundTo32(roi.Width * scale), h = RoundTo32(roi.Height * scale);
        return (w, h);
    }

    private static int RoundTo32(double v) => Math.Max(32, (int)Math.Round(v / 32) * 32);
}
