namespace PdnColorize.Quality.Metrics;

/// <summary>
/// The CIEDE2000 colour difference (CIE 142-2001) with kL = kC = kH = 1, as written out step by step in
/// Sharma, Wu and Dalal, "The CIEDE2000 Color-Difference Formula: Implementation Notes, Supplementary Test Data,
/// and Mathematical Observations", Color Research and Application 30(1), 2005 (equations 2-22). Hue angles are in
/// degrees; a hue is taken as 0 when its chroma is 0, and the mean hue follows the paper's case analysis.
/// </summary>
public static class Ciede2000
{
    private const double Pow25To7 = 6103515625.0; // 25^7
    private const double DegToRad = Math.PI / 180.0;
    private const double RadToDeg = 180.0 / Math.PI;

    public static double Delta(double l1, double a1, double b1, double l2, double a2, double b2)
    {
        // (2)-(7): a' stretched by G, chroma C' and hue h' of each colour.
        double c1 = Math.Sqrt(a1 * a1 + b1 * b1), c2 = Math.Sqrt(a2 * a2 + b2 * b2);
        double cMean = 0.5 * (c1 + c2);
        double cMean7 = Pow7(cMean);
        double g = 0.5 * (1 - Math.Sqrt(cMean7 / (cMean7 + Pow25To7)));
        double a1p = (1 + g) * a1, a2p = (1 + g) * a2;
        double c1p = Math.Sqrt(a1p * a1p + b1 * b1), c2p = Math.Sqrt(a2p * a2p + b2 * b2);
        double h1p = Hue(b1, a1p), h2p = Hue(b2, a2p);

        // (8)-(10): differences.
        double dLp = l2 - l1;
        double dCp = c2p - c1p;
        double dhp;
        bool achromatic = c1p * c2p == 0;
        if (achromatic) dhp = 0;
        else
        {
            dhp = h2p - h1p;
            if (dhp > 180) dhp -= 360;
            else if (dhp < -180) dhp += 360;
        }
        double dHp = 2 * Math.Sqrt(c1p * c2p) * Math.Sin(dhp * 0.5 * DegToRad);

        // (12)-(14): means.
        double lMean = 0.5 * (l1 + l2);
        double cpMean = 0.5 * (c1p + c2p);
        double hpMean;
        if (achromatic) hpMean = h1p + h2p;
        else if (Math.Abs(h1p - h2p) <= 180) hpMean = 0.5 * (h1p + h2p);
        else if (h1p + h2p < 360) hpMean = 0.5 * (h1p + h2p + 360);
        else hpMean = 0.5 * (h1p + h2p - 360);

        // (15)-(22): weights and rotation.
        double t = 1
                   - 0.17 * Math.Cos((hpMean - 30) * DegToRad)
                   + 0.24 * Math.Cos(2 * hpMean * DegToRad)
                   + 0.32 * Math.Cos((3 * hpMean + 6) * DegToRad)
                   - 0.20 * Math.Cos((4 * hpMean - 63) * DegToRad);
        double dTheta = 30 * Math.Exp(-Square((hpMean - 275) / 25));
        double cpMean7 = Pow7(cpMean);
        double rc = 2 * Math.Sqrt(cpMean7 / (cpMean7 + Pow25To7));
        double lm50 = Square(lMean - 50);
        double sl = 1 + 0.015 * lm50 / Math.Sqrt(20 + lm50);
        double sc = 1 + 0.045 * cpMean;
        double sh = 1 + 0.015 * cpMean * t;
        double rt = -Math.Sin(2 * dTheta * DegToRad) * rc;

        double tl = dLp / sl, tc = dCp / sc, th = dHp / sh;
        return Math.Sqrt(tl * tl + tc * tc + th * th + rt * tc * th);
    }

    private static double Hue(double b, double ap)
    {
        if (b == 0 && ap == 0) return 0;
        double h = Math.Atan2(b, ap) * RadToDeg;
        return h < 0 ? h + 360 : h;
    }

    private static double Square(double x) => x * x;

    private static double Pow7(double x)
    {
        double x2 = x * x, x3 = x2 * x;
        return x3 * x3 * x;
    }
}
