using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Cli.Tests;

public sealed class BatchTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, args);

    private string InDir => _dir.File("in");
    private string OutDir => _dir.File("out");

    [Fact]
    public void Continues_past_bad_files_and_exits_1()
    {
        Directory.CreateDirectory(InDir);
        ImageCodec.Save(TestImages.Gray(48, 32), Path.Combine(InDir, "a-good.png"));
        File.WriteAllBytes(Path.Combine(InDir, "b-good.jpg"), CliFixture.Encode(TestImages.Gray(40, 40), SKEncodedImageFormat.Jpeg));
        var png = CliFixture.Encode(TestImages.Colour(64, 64), SKEncodedImageFormat.Png);
        File.WriteAllBytes(Path.Combine(InDir, "c-corrupt.png"), png[..(png.Length / 2)]);
        ImageCodec.Save(TestImages.Gray(4, 4), Path.Combine(InDir, "d-tiny.png"));
        File.WriteAllText(Path.Combine(InDir, "readme.txt"), "not an image, not even looked at");

        var r = Run("batch", InDir, OutDir, "--model", fixture.Plumbing);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(["a-good.png", "b-good.png"], Directory.GetFiles(OutDir).Select(Path.GetFileName).Order());
        Assert.Contains("2 ok, 2 failed", r.Stdout);
        Assert.Contains("c-corrupt.png", r.Stdout);
        Assert.Contains("truncated", r.Stdout);
        Assert.Contains("smaller than 8x8", r.Stdout);
        Assert.Contains("Batch summary", r.Stdout);
        Assert.DoesNotContain("FAILED readme", r.Stdout); // not a photo: listed as not read, not as a failure
        Assert.Contains("not read (1, not .png", r.Stdout);
        // Plain progress lines, since the output is not a terminal.
        Assert.Contains("[1/4] ok a-good.png", r.Stdout);
    }

    [Fact]
    public void All_good_exits_0_and_creates_the_output_folder()
    {
        Directory.CreateDirectory(InDir);
        ImageCodec.Save(TestImages.Gray(32, 32), Path.Combine(InDir, "one.png"));
        ImageCodec.Save(TestImages.Gray(24, 40), Path.Combine(InDir, "two.png"));
        var r = Run("batch", InDir, OutDir, "--model", fixture.Plumbing, "--strength", "0.5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("2 ok, 0 failed", r.Stdout);
        Assert.True(File.Exists(Path.Combine(OutDir, "one.png")));
        Assert.True(File.Exists(Path.Combine(OutDir, "two.png")));
    }

    [Theory]
    [InlineData(2)]  // one save behind
    [InlineData(12)] // three saves behind (one per four cores)
    public void Saving_behind_the_next_photos_keeps_the_order_and_writes_what_colorize_writes_for_each(int cores)
    {
        // Photos are saved while later ones are coloured; their lines must still come in file order, a failure in the
        // middle must not shift the others, and the files must be the same as one at a time.
        Directory.CreateDirectory(InDir);
        var png = CliFixture.Encode(TestImages.Colour(64, 64), SKEncodedImageFormat.Png);
        var names = new[] { "a.png", "b.png", "c-corrupt.png", "d.png", "e.png", "f.png" };
        for (int i = 0; i < names.Length; i++)
        {
            string path = Path.Combine(InDir, names[i]);
            if (names[i].Contains("corrupt")) File.WriteAllBytes(path, png[..(png.Length / 2)]);
            else ImageCodec.Save(TestImages.Gray(40 + 8 * i, 56 - 4 * i), path);
        }

        var env = new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = cores.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var behind = CliProcess.Run(_dir.Path, fixture.UserModels, Path.Combine(fixture.UserModels, "..", "cache"), TimeSpan.FromSeconds(90),
            env, "batch", InDir, OutDir, "--model", fixture.Plumbing);
        Assert.True(behind.ExitCode == 1, behind.ToString());
        var positions = names.Select((n, i) =>
            behind.Stdout.IndexOf($"[{i + 1}/6] {(n.Contains("corrupt") ? "FAILED" : "ok")} {n}", StringComparison.Ordinal)).ToList();
        Assert.True(positions.All(p => p >= 0), behind.Stdout);
        Assert.Equal(positions.Order(), positions);
        Assert.Matches(@"5 ok, 1 failed in \d+\.\d s", behind.Stdout);

        string oneByOne = _dir.File("out-one-by-one");
        Directory.CreateDirectory(oneByOne);
        var good = names.Where(n => !n.Contains("corrupt")).ToList();
        foreach (var name in good)
        {
            var single = Run("colorize", Path.Combine(InDir, name), "-o", Path.Combine(oneByOne, name), "--model", fixture.Plumbing);
            Assert.True(single.ExitCode == 0, single.ToString());
            Assert.Equal(File.ReadAllBytes(Path.Combine(oneByOne, name)), File.ReadAllBytes(Path.Combine(OutDir, name)));
        }
        Assert.Equal(good, Directory.GetFiles(OutDir).Select(Path.GetFileName).Order()); // no temporary file is left behind
    }

    [Fact]
    public void Two_files_of_one_stem_write_once_and_the_second_is_skipped_with_its_reason()
    {
        Directory.CreateDirectory(InDir);
        ImageCodec.Save(TestImages.Gray(32, 32), Path.Combine(InDir, "same.jpg"));
        ImageCodec.Save(TestImages.Gray(40, 24), Path.Combine(InDir, "same.png"));
        var r = Run("batch", InDir, OutDir, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("[1/2] ok same.jpg", r.Stdout);
        Assert.Contains("[2/2] FAILED same.png: skipped: same.png is already the output of same.jpg", r.Stdout);
        Assert.Equal(32, ImageCodec.Load(Path.Combine(OutDir, "same.png")).Width); // the first one's picture
    }

    [Fact]
    public void Bad_arguments_exit_2()
    {
        var missing = Run("batch", _dir.File("nowhere"), OutDir, "--model", fixture.Plumbing);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("does not exist", missing.Stderr);

        Directory.CreateDirectory(InDir);
        var empty = Run("batch", InDir, OutDir, "--model", fixture.Plumbing);
        Assert.True(empty.ExitCode == 2, empty.ToString());
        Assert.Contains("no image files", empty.Stderr);

        ImageCodec.Save(TestImages.Gray(32, 32), Path.Combine(InDir, "one.png"));
        var same = Run("batch", InDir, InDir, "--model", fixture.Plumbing);
        Assert.True(same.ExitCode == 2, same.ToString());
        Assert.False(Directory.Exists(OutDir));
        Assert.Equal(["one.png"], Directory.GetFiles(InDir).Select(Path.GetFileName));
    }

    [Fact]
    public void Model_problem_stops_the_batch_with_exit_3()
    {
        Directory.CreateDirectory(InDir);
        ImageCodec.Save(TestImages.Gray(32, 32), Path.Combine(InDir, "one.png"));
        var r = Run("batch", InDir, OutDir, "--model", fixture.WrongOutput);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.False(File.Exists(Path.Combine(OutDir, "one.png")));
    }
}
