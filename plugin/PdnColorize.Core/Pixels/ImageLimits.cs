namespace PdnColorize.Core.Pixels;

/// <summary>
/// Sizes the product refuses before allocating anything. Checked on declared dimensions, so a decompression bomb
/// (a tiny file claiming a huge image) is refused from its header alone.
/// </summary>
public static class ImageLimits
{
    /// <summary>Longest side accepted (Paint.NET's own canvas limit is 65535).</summary>
    public const int MaxSide = 65535;

    /// <summary>Largest area accepted: 256 megapixels, 1 GiB of BGRA.</summary>
    public const long MaxPixels = 256L * 1024 * 1024;

    /// <summary>Returns null when the size is acceptable, else the reason it is not.</summary>
    public static string? Check(long width, long height)
    {
        if (width <= 0 || height <= 0) return $"the image is {width}x{height}: it has no pixels";
        if (width > MaxSide || height > MaxSide)
            return $"the image is {width}x{height}: sides above {MaxSide} pixels are not supported";
        if (width * height > MaxPixels)
            return $"the image is {width}x{height} ({width * height / 1e6:F0} MP): more than {MaxPixels / 1024 / 1024} MP is not supported";
        return null;
    }
}
