using PdnColorize.Core.Color;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>
/// Every published I/O convention colours a gray photo end to end through the real CLI: a test-built model in each
/// convention gives a known hue that depends on the gray level (so a wrong input scale or a misread output shows as a
/// wrong hue), and the photo's L* comes out unchanged.
/// </summary>
public sealed class DescriptorCliTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Models => _dir.File("models");

    public DescriptorCliTests() => Directory.CreateDirectory(Models);

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, Models, args);

    private const byte DarkGray = 70, LightGray = 190;

    /// <summary>Left half one gray, right half another: two flat regions with a predictable model answer each.</summary>
    private string TwoGrays()
    {
        var img = new BgraImage(128, 64);
        for (int y = 0; y < 64; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < 128; x++)
            {
                byte v = x < 64 ? DarkGray : LightGray;
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = 255;
            }
        }
        string path = _dir.File("two-grays.png");
        ImageCodec.Save(img, path);
        return path;
    }

    public static TheoryData<string> Conventions => ["lab-ab-quarter", "L100", "gray-rgb255", "gray-rgb01"];

    [Theory]
    [MemberData(nameof(Conventions))]
    public void A_model_in_each_convention_colours_with_its_expected_hue_and_exact_lightness(string convention)
    {
        string onnx = Path.Combine(Models, $"fx-{convention.ToLowerInvariant()}.onnx");
        Func<double, (double A, double B)> expected;
        switch (convention)
        {
            case "lab-ab-quarter":
                DescriptorFixtures.LabAbQuarter(onnx); // no manifest: 3 -> 2 channels is inferred, the 1/4 output resized
                expected = g => (60 * g - 30, -30);
                break;
            case "L100":
                DescriptorFixtures.LabFromL(onnx); // no manifest: 1 -> 2 channels is L100 / lab-ab
                expected = g => (0.8 * (CieLab.FromSrgb(g, g, g).L - 50), 25);
                break;
            case "gray-rgb255":
                DescriptorFixtures.WithManifest(DescriptorFixtures.RgbOut(onnx, 255), "fx-gray-rgb255", "gray-rgb255", "rgb255");
                expected = g => Ab(CieLab.FromSrgb(g, 1 - g, 0.5));
                break;
            default:
                DescriptorFixtures.WithManifest(DescriptorFixtures.RgbOut(onnx, 1), "fx-gray-rgb01", "gray-rgb01", "rgb01");
                expected = g => Ab(CieLab.FromSrgb(g, 1 - g, 0.5));
                break;
        }

        string input = TwoGrays();
        string output = _dir.File("out.png");
        // Models with a manifest are picked by id, the others by path (both routes resolve descriptors).
        string model = File.Exists(Path.ChangeExtension(onnx, ".json")) ? Path.GetFileNameWithoutExtension(onnx) : onnx;
        var r = Run("colorize", input, "-o", output, "--model", model, "--size", "64");
        Assert.True(r.ExitCode == 0, r.ToString());

        var source = ImageCodec.Load(input);
        var result = ImageCodec.Load(output);
        foreach (var (x0, gray) in new[] { (8, DarkGray), (72, LightGray) })
        {
            var (a, b) = MeanAb(result, x0, 16, 48, 48);
            var want = expected(gray / 255.0);
            double hue = Hue(a, b), wantHue = Hue(want.A, want.B);
            Assert.True(AngleBetween(hue, wantHue) <= 12 && Math.Sqrt(a * a + b * b) > 8,
                $"{convention}, gray {gray}: a,b = {a:F1},{b:F1} (hue {hue:F0}); expected {want.A:F1},{want.B:F1} (hue {wantHue:F0})");
        }
        double maxDl = MaxAbsDeltaL(result, source);
        Assert.True(maxDl <= 1.0, $"{convention}: max |dL*| {maxDl:F2}");
    }

    [Fact]
    public void A_model_that_needs_the_adapter_says_so_once_on_first_use_and_not_when_cached()
    {
        string onnx = DescriptorFixtures.LabFromL(Path.Combine(Models, "fx-l100.onnx"));
        string input = TwoGrays();
        const string line = "adapting fx-l100.onnx (L100 -> lab-ab) to the internal contract (once; cached)";

        var first = Run("colorize", input, "-o", _dir.File("a.png"), "--model", onnx, "--size", "64");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Single(first.Stderr.Split('\n'), l => l.Trim() == line);

        var again = Run("colorize", input, "-o", _dir.File("b.png"), "--model", onnx, "--size", "64");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("adapting", again.Stderr);
    }

    [Fact]
    public void A_three_channel_model_without_a_manifest_is_refused_with_the_field_to_add()
    {
        string onnx = DescriptorFixtures.RgbOut(Path.Combine(_dir.Path, "colour-out.onnx"), 255);
        var r = Run("colorize", TwoGrays(), "-o", _dir.File("out.png"), "--model", onnx);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("\"output\" (rgb01 or rgb255)", r.Stderr + r.Stdout);
        Assert.False(File.Exists(_dir.File("out.png")));
    }

    [Fact]
    public void Models_list_shows_each_installed_model_with_its_descriptor()
    {
        DescriptorFixtures.WithManifest(DescriptorFixtures.RgbOut(Path.Combine(Models, "fx-deoldify.onnx"), 255), "fx-deoldify", "gray-rgb255", "rgb255");
        var r = Run("models", "list");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("fx-deoldify", r.Stdout);
        Assert.Contains("gray-rgb255 -> rgb255", r.Stdout);
    }

    private static (double A, double B) Ab((double L, double A, double B) lab) => (lab.A, lab.B);

    private static double Hue(double a, double b) => Math.Atan2(b, a) * 180 / Math.PI;

    private static double AngleBetween(double x, double y)
    {
        double d = Math.Abs(x - y) % 360;
        return d > 180 ? 360 - d : d;
    }

    private static (double A, double B) MeanAb(BgraImage img, int x0, int y0, int w, int h)
    {
        double sa = 0, sb = 0;
        for (int y = y0; y < y0 + h; y++)
        {
            var row = img.Row(y);
            for (int x = x0; x < x0 + w; x++)
            {
                var lab = CieLab.FromSrgb(row[4 * x + 2] / 255.0, row[4 * x + 1] / 255.0, row[4 * x] / 255.0);
                sa += lab.A;
                sb += lab.B;
            }
        }
        return (sa / (w * h), sb / (w * h));
    }

    private static double MaxAbsDeltaL(BgraImage a, BgraImage b)
    {
        double max = 0;
        for (int y = 0; y < a.Height; y++)
        {
            var ra = a.Row(y);
            var rb = b.Row(y);
            for (int x = 0; x < a.Width; x++)
            {
                double la = CieLab.FromSrgb(ra[4 * x + 2] / 255.0, ra[4 * x + 1] / 255.0, ra[4 * x] / 255.0).L;
                double lb = CieLab.FromSrgb(rb[4 * x + 2] / 255.0, rb[4 * x + 1] / 255.0, rb[4 * x] / 255.0).L;
                max = Math.Max(max, Math.Abs(la - lb));
            }
        }
        return max;
    }
}
