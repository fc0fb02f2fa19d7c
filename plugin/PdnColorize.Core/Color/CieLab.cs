namespace PdnColorize.Core.Color;

/// <summary>
/// sRGB <-> CIE L*a*b* (D65) following OpenCV's float conversion, the convention DDColor was trained with:
/// sRGB companding, OpenCV's RGB->XYZ matrix, white 0.950456 / 1 / 1.088754, threshold 0.008856.
/// This scalar form is the reference; <see cref="LabRow"/> is the vectorised form used on pixels.
/// </summary>
public static class CieLab
{
    public const double WhiteX = 0.950456, WhiteZ = 1.088754;
    public const double Epsilon = 0.008856;          // (6/29)^3, as OpenCV rounds it
    public const double Kappa = 903.3;                // L = Kappa*Y below Epsilon
    public const double LinearSlope = 7.787;          // f(t) = 7.787 t + 16/116 below Epsilon
    public const double F16 = 16.0 / 116.0;

    // OpenCV's sRGB(D65) -> XYZ matrix and its inverse.
    public const double M00 = 0.412453, M01 = 0.357580, M02 = 0.180423;
    public const double M10 = 0.212671, M11 = 0.715160, M12 = 0.072169;
    public const double M20 = 0.019334, M21 = 0.119193, M22 = 0.950227;
    public const double N00 = 3.240479, N01 = -1.53715, N02 = -0.498535;
    public const double N10 = -0.969256, N11 = 1.875991, N12 = 0.041556;
    public const double N20 = 0.055648, N21 = -0.204043, N22 = 1.057311;

    public static double SrgbToLinear(double v) => v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);

    public static double LinearToSrgb(double v) => v <= 0.0031308 ? 12.92 * v : 1.055 * Math.Pow(v, 1 / 2.4) - 0.055;

    private static double F(double t) => t > Epsilon ? Math.Cbrt(t) : LinearSlope * t + F16;

    private static double FInverse(double f) => f > 0.206893 ? f * f * f : (f - F16) / LinearSlope;

    /// <summary>sRGB channels in [0,1] to (L 0..100, a, b).</summary>
    public static (double L, double A, double B) FromSrgb(double r, double g, double b)
    {
        double lr = SrgbToLinear(r), lg = SrgbToLinear(g), lb = SrgbToLinear(b);
        double x = (M00 * lr + M01 * lg + M02 * lb) / WhiteX;
        double y = M10 * lr + M11 * lg + M12 * lb;
        double z = (M20 * lr + M21 * lg + M22 * lb) / WhiteZ;
        double fx = F(x), fy = F(y), fz = F(z);
        double l = y > Epsilon ? 116 * fy - 16 : Kappa * y;
        return (l, 500 * (fx - fy), 200 * (fy - fz));
    }

    /// <summary>Relative luminance Y of an L* value (the inverse of the L part of <see cref="FromSrgb"/>).</summary>
    public static double LToY(double l) => l > Kappa * Epsilon ? Math.Pow((l + 16) / 116, 3) : l / Kappa;

    /// <summary>(L, a, b) to linear RGB, unclipped (may leave [0,1] for colours outside the sRGB gamut).</summary>
    public static (double R, double G, double B) ToLinearRgb(double l, double a, double b)
    {
        double y = LToY(l);
        double fy = l > Kappa * Epsilon ? (l + 16) / 116 : LinearSlope * y + F16;
        double x = FInverse(fy + a / 500) * WhiteX;
        double z = FInverse(fy - b / 200) * WhiteZ;
        return (N00 * x + N01 * y + N02 * z, N10 * x + N11 * y + N12 * z, N20 * x + N21 * y + N22 * z);
    }

    /// <summary>(L, a, b) to sRGB in [0,1], clipped channel-wise.</summary>
    public static (double R, double G, double B) ToSrgb(double l, double a, double b)
    {
        var (r, g, bl) = ToLinearRgb(l, a, b);
        return (LinearToSrgb(Math.Clamp(r, 0, 1)), LinearToSrgb(Math.Clamp(g, 0, 1)), LinearToSrgb(Math.Clamp(bl, 0, 1)));
    }

    /// <summary>The gray sRGB value (0..1) of L* with a = b = 0: what the model is fed.</summary>
    public static double GrayFromL(double l) => LinearToSrgb(Math.Clamp(LToY(l), 0, 1));
}
