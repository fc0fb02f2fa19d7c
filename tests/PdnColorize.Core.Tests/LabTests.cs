using CsCheck;
using PdnColorize.Core.Color;

namespace PdnColorize.Core.Tests;

public class LabTests
{
    [Theory]
    [InlineData(1, 0, 0, 53.24, 80.09, 67.20)]
    [InlineData(0, 0, 1, 32.30, 79.19, -107.86)]
    [InlineData(1, 1, 1, 100.0, 0.0, 0.0)]
    [InlineData(0, 0, 0, 0.0, 0.0, 0.0)]
    public void Reference_values_match_OpenCV(double r, double g, double b, double l, double a, double bb)
    {
        var lab = CieLab.FromSrgb(r, g, b);
        Assert.Equal(l, lab.L, 2);
        Assert.Equal(a, lab.A, 1);
        Assert.Equal(bb, lab.B, 1);
    }

    [Fact]
    public void Scalar_round_trip_returns_the_colour()
    {
        Gen.Double[0, 1].Select(Gen.Double[0, 1], Gen.Double[0, 1]).Sample(t =>
        {
            var (l, a, b) = CieLab.FromSrgb(t.Item1, t.Item2, t.Item3);
            var (r, g, bl) = CieLab.ToSrgb(l, a, b);
            // OpenCV's rounded matrix and its rounded inverse agree to ~1e-4 (0.03 of an 8-bit level).
            Assert.InRange(Math.Abs(t.Item1 - r), 0, 2e-4); Assert.InRange(Math.Abs(t.Item2 - g), 0, 2e-4); Assert.InRange(Math.Abs(t.Item3 - bl), 0, 2e-4);
        });
    }

    [Fact]
    public void Vector_row_matches_scalar_reference()
    {
        Gen.Byte.Array[4 * 37].Sample(bgra =>
        {
            int n = bgra.Length / 4;
            var l = new float[n]; var a = new float[n]; var b = new float[n];
            LabRow.FromBgra(bgra, l, a, b);
            for (int i = 0; i < n; i++)
            {
                var want = CieLab.FromSrgb(bgra[4 * i + 2] / 255.0, bgra[4 * i + 1] / 255.0, bgra[4 * i] / 255.0);
                Assert.InRange(Math.Abs(l[i] - want.L), 0, 2e-3);
                Assert.InRange(Math.Abs(a[i] - want.A), 0, 5e-3);
                Assert.InRange(Math.Abs(b[i] - want.B), 0, 5e-3);
            }
        });
    }

    [Fact]
    public void Lightness_only_row_matches_full_row()
    {
        Gen.Byte.Array[4 * 29].Sample(bgra =>
        {
            int n = bgra.Length / 4;
            var l = new float[n]; var a = new float[n]; var b = new float[n];
            var l2 = new float[n]; var g2 = new float[n]; var b2 = new float[n];
            LabRow.FromBgra(bgra, l, a, b);
            LabRow.LightnessFromBgra(bgra, l2);
            for (int i = 0; i < n; i++) Assert.InRange(Math.Abs(l[i] - l2[i]), 0, 1e-4);
        });
    }

    [Fact]
    public void Every_8bit_colour_survives_the_row_round_trip_within_one_level()
    {
        // All 16.7 M colours would be slow; a stride through the cube covers every channel value.
        const int n = 256 * 64;
        var bgra = new byte[4 * n];
        var l = new float[n]; var a = new float[n]; var b = new float[n];
        int worst = 0, exact = 0, total = 0;
        for (int block = 0; block < 64; block++)
        {
            for (int i = 0; i < n; i++)
            {
                int idx = block * n + i;
                bgra[4 * i] = (byte)(idx * 7 % 256); bgra[4 * i + 1] = (byte)(idx * 13 / 256 % 256); bgra[4 * i + 2] = (byte)(idx % 256); bgra[4 * i + 3] = 255;
            }
            LabRow.FromBgra(bgra, l, a, b);
            LabRow.ToLinearRgbInPlace(l, a, b);
            for (int i = 0; i < n; i++)
            {
                int d = Math.Max(Math.Abs(LabRow.Encode(b[i]) - bgra[4 * i]),
                        Math.Max(Math.Abs(LabRow.Encode(a[i]) - bgra[4 * i + 1]), Math.Abs(LabRow.Encode(l[i]) - bgra[4 * i + 2])));
                worst = Math.Max(worst, d);
                if (d == 0) exact++;
                total++;
            }
        }
        Assert.True(worst <= 1, $"worst channel error {worst} levels");
        Assert.True(exact > total * 0.99, $"only {exact} of {total} exact");
    }

    [Fact]
    public void Gamut_clip_keeps_luminance_and_stays_in_range()
    {
        Gen.Float[0, 100].Select(Gen.Float[-200, 200], Gen.Float[-200, 200]).Sample(t =>
        {
            var l = new[] { t.Item1 }; var a = new[] { t.Item2 }; var b = new[] { t.Item3 };
            float y = (float)CieLab.LToY(t.Item1);
            LabRow.ToLinearRgbInPlace(l, a, b);
            foreach (var c in new[] { l[0], a[0], b[0] }) Assert.InRange(c, -1e-5f, 1 + 1e-5f);
            float yOut = (float)(CieLab.M10 * l[0] + CieLab.M11 * a[0] + CieLab.M12 * b[0]);
            Assert.InRange(Math.Abs(yOut - y), 0, 2e-4);
        });
    }

    [Fact]
    public void Vector_cube_root_is_accurate()
    {
        Gen.Float[1e-6f, 2f].Array[System.Numerics.Vector<float>.Count].Sample(xs =>
        {
            var r = LabRow.Cbrt(new System.Numerics.Vector<float>(xs));
            for (int i = 0; i < xs.Length; i++) Assert.InRange(Math.Abs(r[i] - MathF.Cbrt(xs[i])), 0, 1e-5f * MathF.Cbrt(xs[i]) + 1e-7f);
        });
    }

    [Fact]
    public void Gray_from_L_round_trips_to_L()
    {
        for (double l = 0; l <= 100; l += 0.5)
        {
            double g = CieLab.GrayFromL(l);
            Assert.Equal(l, CieLab.FromSrgb(g, g, g).L, 6);
        }
    }

    [Fact]
    public void A_pixel_converts_the_same_whatever_the_row_split()
    {
        // Paint.NET renders in tiles of any width: a pixel's bytes must not depend on where its row piece ends.
        Gen.Byte.Array[4 * 53].Select(Gen.Int[1, 52]).Sample(t =>
        {
            var (bgra, cut) = t;
            int n = bgra.Length / 4;
            (float[], float[], float[]) Run(int from, int count)
            {
                var l = new float[count]; var a = new float[count]; var b = new float[count];
                LabRow.FromBgra(bgra.AsSpan(4 * from, 4 * count), l, a, b);
                LabRow.ToLinearRgbInPlace(l, a, b);
                return (l, a, b);
            }
            var whole = Run(0, n);
            var left = Run(0, cut);
            var right = Run(cut, n - cut);
            Assert.Equal(whole.Item1, left.Item1.Concat(right.Item1));
            Assert.Equal(whole.Item2, left.Item2.Concat(right.Item2));
            Assert.Equal(whole.Item3, left.Item3.Concat(right.Item3));
            var lw = new float[n]; var lp = new float[n];
            LabRow.LightnessFromBgra(bgra, lw);
            LabRow.LightnessFromBgra(bgra.AsSpan(0, 4 * cut), lp.AsSpan(0, cut));
            LabRow.LightnessFromBgra(bgra.AsSpan(4 * cut), lp.AsSpan(cut));
            Assert.Equal(lw, lp);
        });
    }

    [Fact]
    public void ToBgra_writes_each_channel_encoded_and_keeps_alpha_also_in_place()
    {
        // The packed 32-bit write must put B, G, R where the byte-wise encode would and take alpha from the source row.
        Gen.Float[0, 100].Select(Gen.Float[-127, 127], Gen.Float[-127, 127], Gen.Byte).Array[1, 41].Sample(pixels =>
        {
            int n = pixels.Length;
            var l = pixels.Select(p => p.Item1).ToArray(); var a = pixels.Select(p => p.Item2).ToArray(); var b = pixels.Select(p => p.Item3).ToArray();
            var source = new byte[4 * n];
            for (int i = 0; i < n; i++) { source[4 * i] = 1; source[4 * i + 1] = 2; source[4 * i + 2] = 3; source[4 * i + 3] = pixels[i].Item4; }
            var (rl, rg, rb) = ((float[])l.Clone(), (float[])a.Clone(), (float[])b.Clone());
            LabRow.ToLinearRgbInPlace(rl, rg, rb);
            var expected = new byte[4 * n];
            for (int i = 0; i < n; i++)
            {
                expected[4 * i] = LabRow.Encode(rb[i]); expected[4 * i + 1] = LabRow.Encode(rg[i]);
                expected[4 * i + 2] = LabRow.Encode(rl[i]); expected[4 * i + 3] = pixels[i].Item4;
            }
            var written = new byte[4 * n];
            LabRow.ToBgra((float[])l.Clone(), (float[])a.Clone(), (float[])b.Clone(), source, written);
            Assert.Equal(expected, written);
            LabRow.ToBgra(l, a, b, source, source); // in place: the row is both the alpha source and the destination
            Assert.Equal(expected, source);
        });
    }

    [Fact]
    public void Gray_rows_get_the_same_Lab_as_rows_with_colour()
    {
        // All-gray rows read L* from a table; it must hold the general path's bits, or a B&W photo's L* would change
        // where one coloured pixel (a signature, a stain) shares its row.
        Gen.Byte.Array[1, 70].Sample(levels =>
        {
            int n = levels.Length;
            var gray = new byte[4 * (n + 1)];
            for (int i = 0; i < n; i++) { gray[4 * i] = gray[4 * i + 1] = gray[4 * i + 2] = levels[i]; gray[4 * i + 3] = 255; }
            var coloured = (byte[])gray.Clone();
            coloured[4 * n] = 200; coloured[4 * n + 1] = 10; coloured[4 * n + 2] = 90; coloured[4 * n + 3] = 255;
            var fromTable = new float[n]; var general = new float[n + 1];
            LabRow.LightnessFromBgra(gray.AsSpan(0, 4 * n), fromTable);
            LabRow.LightnessFromBgra(coloured, general);
            Assert.Equal(general.Take(n), fromTable);
            float[] gl = new float[n], ga = new float[n], gb = new float[n], cl = new float[n + 1], ca = new float[n + 1], cb = new float[n + 1];
            LabRow.FromBgra(gray.AsSpan(0, 4 * n), gl, ga, gb);
            LabRow.FromBgra(coloured, cl, ca, cb);
            Assert.Equal(cl.Take(n), gl); Assert.Equal(ca.Take(n), ga); Assert.Equal(cb.Take(n), gb);
            for (int i = 0; i < n; i++) Assert.InRange(Math.Abs(fromTable[i] - CieLab.FromSrgb(levels[i] / 255.0, levels[i] / 255.0, levels[i] / 255.0).L), 0, 1e-3);
        });
    }
}
