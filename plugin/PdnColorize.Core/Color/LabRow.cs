using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PdnColorize.Core.Color;

/// <summary>
/// Row-at-a-time sRGB <-> Lab on <see cref="Vector{T}"/> lanes: the hot loop of every full-resolution pass.
/// Same math and constants as <see cref="CieLab"/> in single precision; cube roots by Newton iteration because
/// the runtime's vector cube root is not hardware-accelerated.
/// </summary>
public static class LabRow
{
    private const float Xn = (float)CieLab.WhiteX, Zn = (float)CieLab.WhiteZ;
    private const float LThreshold = (float)(CieLab.Kappa * CieLab.Epsilon); // 7.9996
    private const float FThreshold = 0.206893f;                                 // cbrt(Epsilon)

    /// <summary>Linear RGB of a BGRA row (scalar gather through the 256-entry table).</summary>
    public static void BgraToLinear(ReadOnlySpan<byte> bgra, Span<float> r, Span<float> g, Span<float> b)
    {
        var lut = SrgbTables.ToLinear;
        int n = r.Length;
        for (int i = 0, o = 0; i < n; i++, o += 4)
        {
            b[i] = lut[bgra[o]];
            g[i] = lut[bgra[o + 1]];
            r[i] = lut[bgra[o + 2]];
        }
    }

    /// <summary>
    /// L*, a*, b* of a BGRA row. <paramref name="l"/>, <paramref name="a"/>, <paramref name="b"/> double as scratch
    /// for linear R, G, B, so the caller needs no other buffer. All-gray rows read the three from tables
    /// (<see cref="GrayTables"/>: the same bits).
    /// </summary>
    public static void FromBgra(ReadOnlySpan<byte> bgra, Span<float> l, Span<float> a, Span<float> b)
    {
        int n = l.Length;
        if (a.Length < n || b.Length < n || bgra.Length < 4 * n) throw new ArgumentException("row buffers are too short");
        var pixels = MemoryMarshal.Cast<byte, uint>(bgra[..(4 * n)]);
        if (IsGray(pixels))
        {
            ref float tl = ref MemoryMarshal.GetArrayDataReference(GrayTables.L);
            ref float ta = ref MemoryMarshal.GetArrayDataReference(GrayTables.A);
            ref float tb = ref MemoryMarshal.GetArrayDataReference(GrayTables.B);
            for (int i = 0; i < n; i++)
            {
                uint v = pixels[i] & 0xFF;
                l[i] = Unsafe.Add(ref tl, v); a[i] = Unsafe.Add(ref ta, v); b[i] = Unsafe.Add(ref tb, v);
            }
            return;
        }
        GeneralLab(bgra, l, a, b);
    }

    private static void GeneralLab(ReadOnlySpan<byte> bgra, Span<float> l, Span<float> a, Span<float> b)
    {
        int n = l.Length;
        BgraToLinear(bgra, l, a, b); // l<-R, a<-G, b<-B
        Map3<LabKernel>(l[..n], a[..n], b[..n]);
    }

    /// <summary>
    /// L*, a*, b* of the 256 gray levels, computed by the general paths, so a gray pixel gets the same bits whichever
    /// path its row takes. (<see cref="FromBgra"/> and <see cref="LightnessFromBgra"/> reach L* by different float
    /// operations, so each has its own L* table; a* and b* are not exactly 0: the matrix's rows sum to the white point
    /// only to rounding.)
    /// </summary>
    private static class GrayTables
    {
        public static readonly float[] Lightness = new float[256], L = new float[256], A = new float[256], B = new float[256];

        static GrayTables()
        {
            var grays = new uint[256];
            for (uint v = 0; v < 256; v++) grays[v] = 0xFF000000u | v << 16 | v << 8 | v;
            GeneralLab(MemoryMarshal.AsBytes(grays.AsSpan()), L, A, B);
            GeneralLightness(grays, Lightness);
        }
    }

    /// <summary>
    /// L* only of a BGRA row. A row whose pixels are all gray (B = G = R: black-and-white photos, the usual input)
    /// reads L* from a 256-entry table built by the general path itself, so its values are the same bits; other rows
    /// sum Y from three tables premultiplied by the matrix row and take the cube root in vector lanes.
    /// </summary>
    public static void LightnessFromBgra(ReadOnlySpan<byte> bgra, Span<float> l)
    {
        int n = l.Length;
        if (bgra.Length < 4 * n) throw new ArgumentException("row buffers are too short");
        var pixels = MemoryMarshal.Cast<byte, uint>(bgra[..(4 * n)]);
        if (IsGray(pixels))
        {
            ref float table = ref MemoryMarshal.GetArrayDataReference(GrayTables.Lightness);
            for (int i = 0; i < pixels.Length; i++) l[i] = Unsafe.Add(ref table, pixels[i] & 0xFF);
            return;
        }
        GeneralLightness(pixels, l);
    }

    /// <summary>True when every pixel has B = G = R (alpha is ignored).</summary>
    private static bool IsGray(ReadOnlySpan<uint> pixels)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var lanes = MemoryMarshal.Cast<uint, Vector<uint>>(pixels);
            var low16 = new Vector<uint>(0xFFFFu);
            // B = G and G = R exactly when the low 16 bits of p ^ (p >> 8) are zero.
            for (int k = 0; k < lanes.Length; k++)
            {
                var p = lanes[k];
                if (!Vector.EqualsAll((p ^ Vector.ShiftRightLogical(p, 8)) & low16, Vector<uint>.Zero)) return false;
            }
            i = lanes.Length * Vector<uint>.Count;
        }
        for (; i < pixels.Length; i++)
            if (((pixels[i] ^ (pixels[i] >> 8)) & 0xFFFFu) != 0) return false;
        return true;
    }

    private static void GeneralLightness(ReadOnlySpan<uint> pixels, Span<float> l)
    {
        int n = pixels.Length;
        // One 32-bit load per pixel and unchecked loads from the 256-entry tables (a byte cannot leave them).
        ref float yr = ref MemoryMarshal.GetArrayDataReference(SrgbTables.YFromRed);
        ref float yg = ref MemoryMarshal.GetArrayDataReference(SrgbTables.YFromGreen);
        ref float yb = ref MemoryMarshal.GetArrayDataReference(SrgbTables.YFromBlue);
        for (int i = 0; i < n; i++)
        {
            uint p = pixels[i];
            l[i] = Unsafe.Add(ref yb, p & 0xFF) + Unsafe.Add(ref yg, (p >> 8) & 0xFF) + Unsafe.Add(ref yr, (p >> 16) & 0xFF);
        }
        int k0 = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vl = MemoryMarshal.Cast<float, Vector<float>>(l[..n]);
            for (int k = 0; k < vl.Length; k++) vl[k] = LightnessOfY(vl[k]);
            k0 = vl.Length * Vector<float>.Count;
            if (k0 < n)
            {
                Span<float> t = stackalloc float[Vector<float>.Count];
                l[k0..n].CopyTo(t);
                LightnessOfY(new Vector<float>(t)).CopyTo(t);
                t[..(n - k0)].CopyTo(l[k0..n]);
            }
            return;
        }
        for (int i = k0; i < n; i++) l[i] = LightnessOfY(l[i]);
    }

    /// <summary>
    /// Lab to linear RGB in [0,1], in place (l,a,b become r,g,b). Out-of-gamut colours are pulled toward the gray
    /// of the same luminance Y just enough to fit, so L* is kept exactly while hue is kept and chroma shrinks.
    /// </summary>
    public static void ToLinearRgbInPlace(Span<float> l, Span<float> a, Span<float> b) =>
        Map3<RgbKernel>(l, a[..l.Length], b[..l.Length]);

    /// <summary>A per-pixel function of three planes, in vector and scalar form (the same formulas).</summary>
    private interface IKernel3
    {
        static abstract (Vector<float>, Vector<float>, Vector<float>) Apply(Vector<float> x, Vector<float> y, Vector<float> z);
        static abstract (float, float, float) Apply(float x, float y, float z);
    }

    private struct LabKernel : IKernel3
    {
        public static (Vector<float>, Vector<float>, Vector<float>) Apply(Vector<float> x, Vector<float> y, Vector<float> z) => LabOf(x, y, z);
        public static (float, float, float) Apply(float x, float y, float z) => LabOf(x, y, z);
    }

    private struct EncodeIndexKernel : IKernel3
    {
        public static (Vector<float>, Vector<float>, Vector<float>) Apply(Vector<float> x, Vector<float> y, Vector<float> z)
        {
            var (r, g, b) = RgbOf(x, y, z);
            var scale = new Vector<float>(SrgbTables.EncodeSteps);
            var half = new Vector<float>(0.5f);
            return (Vector.AsVectorSingle(Index(r, scale, half)), Vector.AsVectorSingle(Index(g, scale, half)),
                Vector.AsVectorSingle(Index(b, scale, half)));
        }

        public static (float, float, float) Apply(float x, float y, float z)
        {
            var (r, g, b) = RgbOf(x, y, z);
            return (BitConverter.Int32BitsToSingle(Index(r)), BitConverter.Int32BitsToSingle(Index(g)), BitConverter.Int32BitsToSingle(Index(b)));
        }
    }

    private struct RgbKernel : IKernel3
    {
        public static (Vector<float>, Vector<float>, Vector<float>) Apply(Vector<float> x, Vector<float> y, Vector<float> z) => RgbOf(x, y, z);
        public static (float, float, float) Apply(float x, float y, float z) => RgbOf(x, y, z);
    }

    /// <summary>
    /// Applies a kernel in place over three rows. Generic over a struct so the JIT inlines the kernel into the loop.
    /// The last partial vector goes through the same vector kernel (padded), so a pixel's result never depends on
    /// where its row or tile happens to end.
    /// </summary>
    private static void Map3<TKernel>(Span<float> x, Span<float> y, Span<float> z) where TKernel : struct, IKernel3
    {
        int n = x.Length;
        if (!Vector.IsHardwareAccelerated)
        {
            for (int i = 0; i < n; i++) (x[i], y[i], z[i]) = TKernel.Apply(x[i], y[i], z[i]);
            return;
        }
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var vz = MemoryMarshal.Cast<float, Vector<float>>(z);
        for (int k = 0; k < vx.Length; k++) (vx[k], vy[k], vz[k]) = TKernel.Apply(vx[k], vy[k], vz[k]);
        int done = vx.Length * Vector<float>.Count;
        if (done == n) return;
        int w = Vector<float>.Count;
        Span<float> tx = stackalloc float[w], ty = stackalloc float[w], tz = stackalloc float[w];
        x[done..].CopyTo(tx); y[done..].CopyTo(ty); z[done..].CopyTo(tz);
        var (rx, ry, rz) = TKernel.Apply(new Vector<float>(tx), new Vector<float>(ty), new Vector<float>(tz));
        rx.CopyTo(tx); ry.CopyTo(ty); rz.CopyTo(tz);
        tx[..(n - done)].CopyTo(x[done..]); ty[..(n - done)].CopyTo(y[done..]); tz[..(n - done)].CopyTo(z[done..]);
    }

    /// <summary>
    /// Lab to gamut-clipped linear RGB (as <see cref="ToLinearRgbInPlace"/>) and on to indices into the 8-bit encode
    /// table, in place and in one pass: the three float rows come back reinterpreted as int rows for
    /// <see cref="EncodeIndex"/> / <see cref="PackBgra"/>.
    /// </summary>
    public static void ToEncodeIndicesInPlace(Span<float> l, Span<float> a, Span<float> b) =>
        Map3<EncodeIndexKernel>(l, a[..l.Length], b[..l.Length]);

    /// <summary>
    /// Lab rows to 8-bit BGRA pixels, alpha copied from <paramref name="alphaSource"/> (a BGRA row of the same width).
    /// <paramref name="l"/>, <paramref name="a"/>, <paramref name="b"/> are overwritten (used as scratch).
    /// </summary>
    public static void ToBgra(Span<float> l, Span<float> a, Span<float> b, ReadOnlySpan<byte> alphaSource, Span<byte> bgra)
    {
        ToEncodeIndicesInPlace(l, a, b);
        PackBgra(MemoryMarshal.Cast<float, int>(l), MemoryMarshal.Cast<float, int>(a), MemoryMarshal.Cast<float, int>(b),
            alphaSource, bgra);
    }

    /// <summary>
    /// BGRA pixels from encode-table indices of R, G, B (<see cref="ToEncodeIndicesInPlace"/>), alpha from
    /// <paramref name="alphaSource"/>. One 32-bit store per pixel and no bounds checks in the loop: this write was a
    /// third of the compose stage when it stored four bytes with a checked table load each (measured: 2.8 of 8.2 ns/px).
    /// </summary>
    public static void PackBgra(ReadOnlySpan<int> r, ReadOnlySpan<int> g, ReadOnlySpan<int> b, ReadOnlySpan<byte> alphaSource, Span<byte> bgra)
    {
        int n = r.Length;
        if (g.Length < n || b.Length < n || alphaSource.Length < 4 * n || bgra.Length < 4 * n)
            throw new ArgumentException("row buffers are too short");
        var src = MemoryMarshal.Cast<byte, uint>(alphaSource[..(4 * n)]);
        var dst = MemoryMarshal.Cast<byte, uint>(bgra[..(4 * n)]);
        ref byte table = ref MemoryMarshal.GetArrayDataReference(SrgbTables.Encode);
        ref int rr = ref MemoryMarshal.GetReference(r);
        ref int rg = ref MemoryMarshal.GetReference(g);
        ref int rb = ref MemoryMarshal.GetReference(b);
        for (int i = 0; i < n; i++)
        {
            // Indices come from Index(), which clamps to [0, EncodeSteps]; the mask keeps a stray value inside the table.
            uint pixel = Unsafe.Add(ref table, Unsafe.Add(ref rb, i) & SrgbTables.EncodeSteps)
                | (uint)Unsafe.Add(ref table, Unsafe.Add(ref rg, i) & SrgbTables.EncodeSteps) << 8
                | (uint)Unsafe.Add(ref table, Unsafe.Add(ref rr, i) & SrgbTables.EncodeSteps) << 16;
            // A BGRA pixel read as a little-endian uint is 0xAARRGGBB.
            dst[i] = pixel | (src[i] & 0xFF000000u);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Index(Vector<float> v, Vector<float> scale, Vector<float> half) =>
        Vector.ConvertToInt32(Vector.Min(Vector.Max(v, Vector<float>.Zero), Vector<float>.One) * scale + half);

    private static int Index(float linear) => (int)(Math.Clamp(linear, 0f, 1f) * SrgbTables.EncodeSteps + 0.5f);

    /// <summary>The 8-bit sRGB value of an index made by <see cref="ToEncodeIndicesInPlace"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodeIndex(int index) => SrgbTables.Encode[index];

    /// <summary>8-bit sRGB of a linear value in [0,1] (table lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Encode(float linear)
    {
        return SrgbTables.Encode[Index(linear)];
    }

    // ---- vector kernels ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Mul3(Vector<float> x, Vector<float> y, Vector<float> z, float cx, float cy, float cz) =>
        x * cx + y * cy + z * cz;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>, Vector<float>) LabOf(Vector<float> r, Vector<float> g, Vector<float> b)
    {
        var x = Mul3(r, g, b, (float)(CieLab.M00 / CieLab.WhiteX), (float)(CieLab.M01 / CieLab.WhiteX), (float)(CieLab.M02 / CieLab.WhiteX));
        var y = Mul3(r, g, b, (float)CieLab.M10, (float)CieLab.M11, (float)CieLab.M12);
        var z = Mul3(r, g, b, (float)(CieLab.M20 / CieLab.WhiteZ), (float)(CieLab.M21 / CieLab.WhiteZ), (float)(CieLab.M22 / CieLab.WhiteZ));
        var fx = F(x); var fy = F(y); var fz = F(z);
        var eps = new Vector<float>((float)CieLab.Epsilon);
        var l = Vector.ConditionalSelect(Vector.GreaterThan(y, eps), fy * 116f - new Vector<float>(16f), y * (float)CieLab.Kappa);
        return (l, (fx - fy) * 500f, (fy - fz) * 200f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> LightnessOfY(Vector<float> y)
    {
        var eps = new Vector<float>((float)CieLab.Epsilon);
        return Vector.ConditionalSelect(Vector.GreaterThan(y, eps), Cbrt(y) * 116f - new Vector<float>(16f), y * (float)CieLab.Kappa);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> F(Vector<float> t) =>
        Vector.ConditionalSelect(Vector.GreaterThan(t, new Vector<float>((float)CieLab.Epsilon)),
            Cbrt(t), t * (float)CieLab.LinearSlope + new Vector<float>((float)CieLab.F16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> FInverse(Vector<float> f) =>
        Vector.ConditionalSelect(Vector.GreaterThan(f, new Vector<float>(FThreshold)),
            f * f * f, (f - new Vector<float>((float)CieLab.F16)) * (float)(1 / CieLab.LinearSlope));

    /// <summary>Cube root of non-negative lanes: exponent/3 bit trick, then two Newton steps (relative error ~1e-6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Cbrt(Vector<float> t)
    {
        var bits = Vector.AsVectorInt32(Vector.Max(t, new Vector<float>(1e-30f)));
        var guess = Vector.ConvertToInt32(Vector.ConvertToSingle(bits) * (1f / 3f)) + new Vector<int>(709921077);
        var y = Vector.AsVectorSingle(guess);
        const float third = 1f / 3f;
        // The guess is within ~3 %; each step squares the error: 1e-3, then ~1e-6 (L* to 1e-4).
        y = (y + y + t / (y * y)) * third;
        y = (y + y + t / (y * y)) * third;
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>, Vector<float>) RgbOf(Vector<float> l, Vector<float> a, Vector<float> b)
    {
        l = Vector.Min(Vector.Max(l, Vector<float>.Zero), new Vector<float>(100f));
        var high = Vector.GreaterThan(l, new Vector<float>(LThreshold));
        var fyHigh = (l + new Vector<float>(16f)) * (1f / 116f);
        var yLow = l * (float)(1 / CieLab.Kappa);
        var y = Vector.ConditionalSelect(high, fyHigh * fyHigh * fyHigh, yLow);
        var fy = Vector.ConditionalSelect(high, fyHigh, yLow * (float)CieLab.LinearSlope + new Vector<float>((float)CieLab.F16));
        var x = FInverse(fy + a * (1f / 500f)) * Xn;
        var z = FInverse(fy - b * (1f / 200f)) * Zn;
        var r = Mul3(x, y, z, (float)CieLab.N00, (float)CieLab.N01, (float)CieLab.N02);
        var g = Mul3(x, y, z, (float)CieLab.N10, (float)CieLab.N11, (float)CieLab.N12);
        var bl = Mul3(x, y, z, (float)CieLab.N20, (float)CieLab.N21, (float)CieLab.N22);

        // Largest t in [0,1] keeping y + t*(c - y) inside [0,1] for every channel; y itself lies in [0,1].
        var lo = Vector.Min(r, Vector.Min(g, bl));
        var hi = Vector.Max(r, Vector.Max(g, bl));
        if (Vector.GreaterThanOrEqualAll(lo, Vector<float>.Zero) && Vector.LessThanOrEqualAll(hi, Vector<float>.One))
            return (r, g, bl); // the common case: every lane already in gamut
        var t = Vector.Min(Limit(r, y), Vector.Min(Limit(g, y), Limit(bl, y)));
        // Lanes already in gamut keep their exact values (y + 1*(c - y) need not round back to c), so a pixel's
        // result does not depend on its neighbours in the vector.
        var keep = Vector.Equals(t, Vector<float>.One);
        return (Vector.ConditionalSelect(keep, r, y + t * (r - y)),
                Vector.ConditionalSelect(keep, g, y + t * (g - y)),
                Vector.ConditionalSelect(keep, bl, y + t * (bl - y)));
    }

    /// <summary>How far toward channel value c one may go from gray y: (1-y)/(c-y) above 1, y/(y-c) below 0, else 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Limit(Vector<float> c, Vector<float> y)
    {
        var one = Vector<float>.One;
        var over = Vector.GreaterThan(c, one);
        var under = Vector.LessThan(c, Vector<float>.Zero);
        var numerator = Vector.ConditionalSelect(over, one - y, y);
        var denominator = Vector.ConditionalSelect(over, c - y, y - c);
        var ratio = numerator / Vector.Max(denominator, new Vector<float>(1e-20f));
        return Vector.ConditionalSelect(over | under, ratio, one);
    }

    // ---- scalar twins for the row tails (same formulas) ----

    private static float Cbrt(float t) => MathF.Cbrt(t);

    private static float F(float t) => t > (float)CieLab.Epsilon ? Cbrt(t) : t * (float)CieLab.LinearSlope + (float)CieLab.F16;

    private static float FInverse(float f) => f > FThreshold ? f * f * f : (f - (float)CieLab.F16) * (float)(1 / CieLab.LinearSlope);

    private static float LightnessOfY(float y) => y > (float)CieLab.Epsilon ? Cbrt(y) * 116f - 16f : y * (float)CieLab.Kappa;

    private static (float, float, float) LabOf(float r, float g, float b)
    {
        float x = r * (float)(CieLab.M00 / CieLab.WhiteX) + g * (float)(CieLab.M01 / CieLab.WhiteX) + b * (float)(CieLab.M02 / CieLab.WhiteX);
        float y = r * (float)CieLab.M10 + g * (float)CieLab.M11 + b * (float)CieLab.M12;
        float z = r * (float)(CieLab.M20 / CieLab.WhiteZ) + g * (float)(CieLab.M21 / CieLab.WhiteZ) + b * (float)(CieLab.M22 / CieLab.WhiteZ);
        float fx = F(x), fy = F(y), fz = F(z);
        return (LightnessOfY(y), (fx - fy) * 500f, (fy - fz) * 200f);
    }

    private static (float, float, float) RgbOf(float l, float a, float b)
    {
        l = Math.Clamp(l, 0f, 100f);
        bool high = l > LThreshold;
        float fyHigh = (l + 16f) / 116f, yLow = l * (float)(1 / CieLab.Kappa);
        float y = high ? fyHigh * fyHigh * fyHigh : yLow;
        float fy = high ? fyHigh : yLow * (float)CieLab.LinearSlope + (float)CieLab.F16;
        float x = FInverse(fy + a / 500f) * Xn, z = FInverse(fy - b / 200f) * Zn;
        float r = x * (float)CieLab.N00 + y * (float)CieLab.N01 + z * (float)CieLab.N02;
        float g = x * (float)CieLab.N10 + y * (float)CieLab.N11 + z * (float)CieLab.N12;
        float bl = x * (float)CieLab.N20 + y * (float)CieLab.N21 + z * (float)CieLab.N22;
        float t = MathF.Min(Limit(r, y), MathF.Min(Limit(g, y), Limit(bl, y)));
        if (t == 1f) return (r, g, bl);
        return (y + t * (r - y), y + t * (g - y), y + t * (bl - y));
    }

    private static float Limit(float c, float y) => c > 1f ? (1f - y) / (c - y) : c < 0f ? y / (y - c) : 1f;
}
