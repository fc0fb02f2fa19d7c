using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines.Providers;
using Xunit.Abstractions;

namespace PdnColorize.Fidelity.Tests;

/// <summary>Properties every colourisation must have, checked on the fixture photos with the embedded model at FP32.</summary>
[Collection("fidelity")]
public sealed class InvariantTests(FidelityFixture fixture, ITestOutputHelper output)
{
    public static IEnumerable<object[]> Photos => FidelityFixture.PhotoNames;

    [Theory]
    [MemberData(nameof(Photos))]
    public void Luminance_is_kept(string photo)
    {
        var gray = fixture.Gray(photo);
        double dL = ImageMetrics.MeanAbsDeltaL(fixture.Colorized(photo), gray);
        output.WriteLine($"{photo}: mean |dL| {dL:F4}");
        Assert.True(dL <= Tolerances.MaxMeanAbsDeltaL, $"{photo}: mean |dL| {dL:F4} > {Tolerances.MaxMeanAbsDeltaL}");
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Strength_zero_is_the_identity(string photo)
    {
        var gray = fixture.Gray(photo);
        var result = new BgraImage(gray.Width, gray.Height);
        new Colorizer(fixture.Model(Precision.Fp32)).Colorize(gray, result, null, FidelityFixture.Settings with { Strength = 0 });
        AssertBitExact(gray, result, $"{photo} at strength 0");
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Pixels_outside_the_selection_are_untouched(string photo)
    {
        var gray = fixture.Gray(photo);
        // A feathered ellipse: full coverage inside, a ramp at the rim, zero outside; bounds well inside the image.
        var bounds = new PixelRect(60, 40, 160, 110);
        var coverage = new byte[bounds.Area];
        for (int y = 0; y < bounds.Height; y++)
        for (int x = 0; x < bounds.Width; x++)
        {
            double dx = (x + 0.5 - bounds.Width / 2.0) / (bounds.Width / 2.0), dy = (y + 0.5 - bounds.Height / 2.0) / (bounds.Height / 2.0);
            double r = Math.Sqrt(dx * dx + dy * dy);
            coverage[y * bounds.Width + x] = (byte)Math.Round(255 * Math.Clamp((1 - r) / 0.2, 0, 1));
        }
        var mask = new SelectionMask(bounds, coverage);
        var result = gray.Clone();
        new Colorizer(fixture.Model(Precision.Fp32)).Colorize(gray, result, mask, FidelityFixture.Settings);

        int changedInside = 0;
        for (int y = 0; y < gray.Height; y++)
        for (int x = 0; x < gray.Width; x++)
        {
            bool same = gray.Row(y).Slice(4 * x, 4).SequenceEqual(result.Row(y).Slice(4 * x, 4));
            if (mask.Coverage(x, y) == 0) Assert.True(same, $"{photo}: pixel ({x},{y}) outside the selection changed");
            else if (!same) changedInside++;
        }
        output.WriteLine($"{photo}: {changedInside} pixels changed inside the selection");
        Assert.True(changedInside > 0, $"{photo}: nothing changed inside the selection");
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void The_same_input_twice_gives_the_same_output(string photo)
    {
        var gray = fixture.Gray(photo);
        var colorizer = new Colorizer(fixture.Model(Precision.Fp32));
        var first = new BgraImage(gray.Width, gray.Height);
        var second = new BgraImage(gray.Width, gray.Height);
        var f1 = colorizer.Colorize(gray, first, null, FidelityFixture.Settings);
        var f2 = colorizer.Colorize(gray, second, null, FidelityFixture.Settings);
        int diffA = Enumerable.Range(0, f1.A.Length).Count(i => f1.A[i] != f2.A[i]);
        int diffB = Enumerable.Range(0, f1.B.Length).Count(i => f1.B[i] != f2.B[i]);
        Assert.True(diffA == 0 && diffB == 0, $"{photo}: the model's chroma differs between two runs in {diffA} a and {diffB} b cells of {f1.A.Length}");
        AssertBitExact(first, second, $"{photo} run twice");
        AssertBitExact(fixture.Colorized(photo), first, $"{photo} against the fixture's earlier run");
    }

    /// <summary>
    /// The compose's threads must not change a single byte: bands of rows are shared out to threads in whatever order
    /// the scheduler likes, so any per-thread state (row caches) has to be order-independent.
    /// </summary>
    [Theory]
    [MemberData(nameof(Photos))]
    public void Compose_on_all_cores_equals_compose_on_one(string photo)
    {
        var gray = fixture.Gray(photo);
        var colorizer = new Colorizer(fixture.Model(Precision.Fp32));
        var field = colorizer.Predict(gray, null, FidelityFixture.Settings);
        var one = new BgraImage(gray.Width, gray.Height);
        colorizer.Compose(gray, one, field, null, FidelityFixture.Settings);
        for (int run = 0; run < 5; run++)
        {
            var many = new BgraImage(gray.Width, gray.Height);
            colorizer.Compose(gray, many, field, null, FidelityFixture.Settings with { Threads = Math.Max(4, Environment.ProcessorCount) });
            AssertBitExact(one, many, $"{photo} composed on many threads (run {run + 1}) vs one");
        }
    }

    internal static void AssertBitExact(BgraImage expected, BgraImage actual, string what)
    {
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        for (int y = 0; y < expected.Height; y++)
        {
            var e = expected.Row(y);
            var a = actual.Row(y);
            if (e.SequenceEqual(a)) continue;
            int i = e.CommonPrefixLength(a);
            Assert.Fail($"{what}: not bit-exact; first difference at pixel ({i / 4},{y}) byte {i % 4}: {e[i]} vs {a[i]}");
        }
    }
}
