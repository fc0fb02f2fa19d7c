namespace PdnColorize.Core.Color;

/// <summary>
/// Lookup tables for the sRGB transfer curve: 8-bit to linear (exact, 256 entries) and linear to 8-bit
/// (65536 steps over [0,1], rounded; off by at most one level only in the steep toe, where a level is ~0.1 L*).
/// </summary>
internal static class SrgbTables
{
    public const int EncodeSteps = 65535;

    public static readonly float[] ToLinear = BuildToLinear();
    public static readonly byte[] Encode = BuildEncode();

    /// <summary>Each channel's contribution to relative luminance Y (linear value times its matrix weight).</summary>
    public static readonly float[] YFromRed = Weighted(CieLab.M10), YFromGreen = Weighted(CieLab.M11), YFromBlue = Weighted(CieLab.M12);

    private static float[] Weighted(double weight)
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = (float)(weight * CieLab.SrgbToLinear(i / 255.0));
        return t;
    }

    private static float[] BuildToLinear()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = (float)CieLab.SrgbToLinear(i / 255.0);
        return t;
    }

    private static byte[] BuildEncode()
    {
        var t = new byte[EncodeSteps + 1];
        for (int i = 0; i <= EncodeSteps; i++)
            t[i] = (byte)Math.Round(255 * CieLab.LinearToSrgb(i / (double)EncodeSteps), MidpointRounding.AwayFromZero);
        return t;
    }
}
