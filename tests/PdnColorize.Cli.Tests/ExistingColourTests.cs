using System.Runtime.CompilerServices;
using PdnColorize.Core.Color;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using Xunit.Abstractions;

namespace PdnColorize.Cli.Tests;

/// <summary>A photo already in colour is noticed: colorize warns, batch skips it unless --force.</summary>
public sealed class ExistingColourTests(CliFixture fixture, ITestOutputHelper output) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Photo(string name, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "fixtures", "photos", name));

    public static readonly TheoryData<string> Photos = new() { "BytheWater.png", "ColorfulCups.png", "Garden.png", "Kite.png", "LadyBird.png", "Path.png" };

    /// <summary>The gray version toned with one hue whose strength follows L* (as a print's toning does).</summary>
    private static BgraImage Toned(BgraImage gray, double a, double b)
    {
        var toned = new BgraImage(gray.Width, gray.Height);
        for (int y = 0; y < gray.Height; y++)
        {
            var src = gray.Row(y);
            var dst = toned.Row(y);
            for (int i = 0; i < src.Length; i += 4)
            {
                double l = CieLab.FromSrgb(src[i + 2] / 255.0, src[i + 1] / 255.0, src[i] / 255.0).L;
                double k = Math.Sin(Math.PI * l / 100); // strongest in the mid-tones
                var (r, g, bl) = CieLab.ToSrgb(l, a * k, b * k);
                dst[i + 2] = (byte)Math.Round(255 * Math.Clamp(r, 0, 1));
                dst[i + 1] = (byte)Math.Round(255 * Math.Clamp(g, 0, 1));
                dst[i] = (byte)Math.Round(255 * Math.Clamp(bl, 0, 1));
                dst[i + 3] = 255;
            }
        }
        return toned;
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Colour_photos_are_told_from_their_gray_and_toned_versions(string name)
    {
        var colour = ImageCodec.Load(Photo(name));
        var gray = GrayVersion.Of(colour);
        var sepia = Toned(gray, 6, 22);
        var cyan = Toned(gray, -12, -18);
        var c = ExistingColour.Measure(colour);
        output.WriteLine($"MEASURE {name}: colour {c}, gray {ExistingColour.Measure(gray)}, sepia {ExistingColour.Measure(sepia)}, cyan {ExistingColour.Measure(cyan)}");
        Assert.True(ExistingColour.IsColour(c), c.ToString());
        Assert.False(ExistingColour.IsColour(ExistingColour.Measure(gray)));
        Assert.False(ExistingColour.IsColour(ExistingColour.Measure(sepia)));
        Assert.False(ExistingColour.IsColour(ExistingColour.Measure(cyan)));
    }

    [Fact]
    public void Colorize_warns_about_a_colour_photo_and_still_does_it()
    {
        string input = _dir.File("garden.png"), outPath = _dir.File("out.png");
        File.Copy(Photo("Garden.png"), input);
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "colorize", input, "-o", outPath, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("already in colour", r.Stderr);
        Assert.Contains("mean chroma 58", r.Stderr);
        Assert.True(File.Exists(outPath));
    }

    [Fact]
    public void Batch_skips_colour_photos_unless_forced_and_says_so()
    {
        string input = _dir.File("in"), output = _dir.File("out");
        Directory.CreateDirectory(input);
        File.Copy(Photo("Garden.png"), Path.Combine(input, "colour.png"));
        ImageCodec.Save(GrayVersion.Of(ImageCodec.Load(Photo("Kite.png"))), Path.Combine(input, "gray.png"));

        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "batch", input, output, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("skipped colour.png", r.Stdout);
        Assert.Contains("already in colour (--force)", r.Stdout);
        Assert.Contains("1 ok, 0 failed, 1 skipped (in colour)", r.Stdout);
        Assert.Equal(["gray.png"], Directory.GetFiles(output).Select(Path.GetFileName));

        var forced = CliProcess.Run(_dir.Path, fixture.UserModels, "batch", input, output, "--model", fixture.Plumbing, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("2 ok, 0 failed", forced.Stdout);
        Assert.Equal(["colour.png", "gray.png"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
    }
}
