using System.Text.Json;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

public sealed class EvalTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private static readonly string[] FixedFields = ["images", "delta_e2000", "psnr_rgb", "colourfulness", "colourfulness_gt", "mean_abs_dL", "seconds"];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, args);

    private string Dataset()
    {
        string dir = _dir.File("set");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 3; i++) ImageCodec.Save(TestImages.Colour(48, 32, seed: i + 1), Path.Combine(dir, $"img{i}.png"));
        return dir;
    }

    [Fact]
    public void Json_has_the_fixed_fields_for_the_model_and_the_gray_baseline()
    {
        string set = Dataset();
        string json = _dir.File("scores.json");
        var r = Run("eval", set, "--json", json, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("gray baseline", r.Stdout);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var gray = root.GetProperty("gray_baseline");
        foreach (var field in FixedFields)
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(field).ValueKind);
            Assert.Equal(JsonValueKind.Number, gray.GetProperty(field).ValueKind);
        }
        Assert.Equal(3, root.GetProperty("images").GetInt32());
        Assert.Equal(3, gray.GetProperty("images").GetInt32());
        Assert.True(gray.GetProperty("colourfulness").GetDouble() < 1e-9);
        Assert.True(gray.GetProperty("mean_abs_dL").GetDouble() < 0.5);
        Assert.True(gray.GetProperty("delta_e2000").GetDouble() > 1);
        Assert.True(root.GetProperty("colourfulness_gt").GetDouble() > 10);
        Assert.Equal(root.GetProperty("colourfulness_gt").GetDouble(), gray.GetProperty("colourfulness_gt").GetDouble());
        Assert.True(root.GetProperty("mean_abs_dL").GetDouble() < 1.0);
        Assert.True(root.GetProperty("colourfulness").GetDouble() > 1);
        Assert.Equal(3, root.GetProperty("per_image").GetArrayLength());
        // colour recall: the gray baseline gives no pixel its colour back; the model's share lies in [0, 1]
        Assert.Equal(0, gray.GetProperty("colour_recall").GetDouble());
        Assert.InRange(root.GetProperty("colour_recall").GetDouble(), 0, 1);
        Assert.Contains("colour recall", r.Stdout);
    }

    [Fact]
    public void List_and_limit_select_images()
    {
        string set = Dataset();
        File.WriteAllLines(_dir.File("split.txt"), ["# validation", "img2.png", "img0", "", "img1.png  # trailing comment"]);
        string json = _dir.File("s.json");
        var r = Run("eval", set, "--list", _dir.File("split.txt"), "--limit", "2", "--json", json, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(2, doc.RootElement.GetProperty("images").GetInt32());
        var files = doc.RootElement.GetProperty("per_image").EnumerateArray().Select(e => e.GetProperty("file").GetString()!).ToArray();
        Assert.Equal(["img2.png", "img0.png"], files);
    }

    [Fact]
    public void Listed_but_missing_images_are_reported_and_exit_1()
    {
        string set = Dataset();
        File.WriteAllLines(_dir.File("split.txt"), ["img1.png", "ghost.jpg"]);
        var r = Run("eval", set, "--list", _dir.File("split.txt"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("ghost.jpg", r.Stderr);
    }

    [Fact]
    public void Missing_folder_exits_2_and_writes_no_json()
    {
        string json = _dir.File("s.json");
        var r = Run("eval", _dir.File("none"), "--json", json, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Quality_tiles_with_the_asked_tile_size_and_refuses_a_size_off_the_32_grid()
    {
        string set = Dataset();
        var r = Run("quality", set, "--quick", "--limit", "1", "--size", "32", "--tile-size", "64", "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("tiles of 64 (--tile-size)", r.Stdout);

        var bad = Run("quality", set, "--tile-size", "100", "--model", fixture.Plumbing);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--tile-size must be a multiple of 32", bad.Stderr);
    }
}

public sealed class EvalOnBlackAndWhiteTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Eval_on_black_and_white_photos_warns_that_the_scores_mean_nothing()
    {
        string dir = _dir.File("set");
        Directory.CreateDirectory(dir);
        ImageCodec.Save(TestImages.Gray(48, 32), Path.Combine(dir, "bw.png"));
        ImageCodec.Save(TestImages.Colour(48, 32, seed: 2), Path.Combine(dir, "colour.png"));
        var r = CliProcess.Run(_dir.Path, fixture.UserModels, "eval", dir, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 of 2 photos are black-and-white", r.Stderr);
        Assert.Contains("bw.png", r.Stderr);
        Assert.DoesNotContain("colour.png", r.Stderr);
    }
}
