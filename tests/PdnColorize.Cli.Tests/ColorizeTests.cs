using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Cli.Tests;

public sealed class ColorizeTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, args);

    private string GrayPng(string name, int w = 96, int h = 64)
    {
        string path = _dir.File(name);
        ImageCodec.Save(TestImages.Gray(w, h), path);
        return path;
    }

    [Fact]
    public void Colorizes_a_gray_png_keeping_its_lightness()
    {
        string input = GrayPng("in.png");
        string output = _dir.File("out.png");
        var r = Run("colorize", input, "-o", output, "--model", fixture.Plumbing);

        Assert.True(r.ExitCode == 0, r.ToString());
        var line = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("plumbing", line);
        Assert.Contains("grid", line);
        Assert.Contains("ms", line);

        var source = ImageCodec.Load(input);
        var result = ImageCodec.Load(output);
        Assert.True(ImageMetrics.MeanAbsDeltaL(result, source) <= 0.5, $"mean |dL| {ImageMetrics.MeanAbsDeltaL(result, source)}");
        Assert.True(ImageMetrics.Colourfulness(result) > 5, $"colourfulness {ImageMetrics.Colourfulness(result)}");
        Assert.Equal(["in.png", "out.png"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Onnx_runtime_warnings_stay_off_the_console_unless_debugging()
    {
        string input = GrayPng("in.png");
        string model = FixtureModels.WithUnusedInitializer(_dir.File("unused-init.onnx"));
        var quiet = Run("colorize", input, "-o", _dir.File("a.png"), "--model", model);
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.DoesNotContain("onnxruntime", quiet.Stderr);
        var debug = CliProcess.Run(_dir.Path, fixture.UserModels, Path.Combine(fixture.UserModels, "..", "cache"), TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["PDNCOLORIZE_DEBUG"] = "1" }, "colorize", input, "-o", _dir.File("b.png"), "--model", model);
        Assert.True(debug.ExitCode == 0, debug.ToString());
        Assert.Contains("Removing initializer 'unused'", debug.Stderr); // the warning the quiet run kept to itself
    }

    [Fact]
    public void Default_output_is_beside_the_input_and_jpeg_input_works()
    {
        string input = _dir.File("photo.jpg");
        File.WriteAllBytes(input, CliFixture.Encode(TestImages.Gray(64, 48), SKEncodedImageFormat.Jpeg));
        var r = Run("colorize", input, "--model", fixture.Plumbing, "--strength", "1.5", "--detail", "global", "--size", "64", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(_dir.File("photo.colorized.png")), r.ToString());
    }

    [Fact]
    public void Region_changes_only_pixels_inside_it()
    {
        string input = GrayPng("in.png", 128, 96);
        string output = _dir.File("out.png");
        var r = Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--region", "32,16,40,30");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("region", r.Stdout);

        var source = ImageCodec.Load(input);
        var result = ImageCodec.Load(output);
        var region = new PixelRect(32, 16, 40, 30);
        int changedInside = 0;
        for (int y = 0; y < 96; y++)
        for (int x = 0; x < 128; x++)
        {
            bool same = source.Row(y).Slice(4 * x, 4).SequenceEqual(result.Row(y).Slice(4 * x, 4));
            if (region.Contains(x, y)) { if (!same) changedInside++; }
            else Assert.True(same, $"pixel ({x},{y}) outside the region changed");
        }
        Assert.True(changedInside > region.Area / 2, $"only {changedInside} pixels changed inside the region");
    }

    [Fact]
    public void Mask_limits_the_change()
    {
        string input = GrayPng("in.png", 64, 64);
        var mask = new BgraImage(64, 64);
        for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
        {
            byte v = x < 32 ? (byte)255 : (byte)0;
            var p = mask.Row(y).Slice(4 * x, 4);
            p[0] = p[1] = p[2] = v; p[3] = 255;
        }
        ImageCodec.Save(mask, _dir.File("mask.png"));
        var r = Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--mask", _dir.File("mask.png"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var source = ImageCodec.Load(input);
        var result = ImageCodec.Load(_dir.File("out.png"));
        for (int y = 0; y < 64; y++)
            Assert.True(source.Row(y, 32, 32).SequenceEqual(result.Row(y, 32, 32)), $"row {y}: unmasked half changed");
    }

    // ------------------------------------------------------------ bad input: exit code, message, nothing written

    private void AssertRefused(CliResult r, int code, string messagePart, params string[] mustNotExist)
    {
        Assert.True(r.ExitCode == code, $"expected exit {code}\n{r}");
        Assert.Contains(messagePart, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("pdncolorize:"));
        foreach (var path in mustNotExist) Assert.False(File.Exists(path), $"{path} was written\n{r}");
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*"));
    }

    [Fact]
    public void Missing_input_file()
    {
        string output = _dir.File("out.png");
        AssertRefused(Run("colorize", _dir.File("nope.png"), "-o", output, "--model", fixture.Plumbing), 2, "does not exist", output);
    }

    [Fact]
    public void Not_an_image()
    {
        File.WriteAllText(_dir.File("notes.png"), "just some text");
        AssertRefused(Run("colorize", _dir.File("notes.png"), "--model", fixture.Plumbing), 2, "not an image", _dir.File("notes.colorized.png"));
    }

    [Theory]
    [InlineData("cut.png")]
    [InlineData("cut.jpg")]
    public void Truncated_file(string name)
    {
        var format = name.EndsWith(".png") ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        var bytes = CliFixture.Encode(TestImages.Colour(128, 128), format);
        File.WriteAllBytes(_dir.File(name), bytes[..(bytes.Length * 2 / 3)]);
        AssertRefused(Run("colorize", _dir.File(name), "-o", _dir.File("out.png"), "--model", fixture.Plumbing), 2, "truncated", _dir.File("out.png"));
    }

    [Fact]
    public void Zero_by_zero_image()
    {
        // A PNG signature and an IHDR that declares 0x0 (CRC computed by Skia-independent code in the PNG helper).
        File.WriteAllBytes(_dir.File("zero.png"), TinyPng.HeaderOnly(0, 0));
        AssertRefused(Run("colorize", _dir.File("zero.png"), "-o", _dir.File("out.png"), "--model", fixture.Plumbing), 2, "0x0", _dir.File("out.png"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 20)]
    public void Images_smaller_than_8x8(int w, int h)
    {
        string input = GrayPng("tiny.png", w, h);
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing), 2, "smaller than 8x8", _dir.File("out.png"));
    }

    [Fact]
    public void Declared_size_beyond_the_limit()
    {
        File.WriteAllBytes(_dir.File("bomb.png"), TinyPng.HeaderOnly(100_000, 100_000));
        AssertRefused(Run("colorize", _dir.File("bomb.png"), "-o", _dir.File("out.png"), "--model", fixture.Plumbing), 2, "100000x100000", _dir.File("out.png"));
    }

    [Fact]
    public void Unwritable_output_path()
    {
        string input = GrayPng("in.png");
        string output = Path.Combine(_dir.Path, "missing-folder", "out.png");
        AssertRefused(Run("colorize", input, "-o", output, "--model", fixture.Plumbing), 2, "does not exist", output);
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.gif"), "--model", fixture.Plumbing), 2, ".gif", _dir.File("out.gif"));
    }

    [Fact]
    public void Output_equal_to_input()
    {
        string input = GrayPng("in.png");
        var before = File.ReadAllBytes(input);
        AssertRefused(Run("colorize", input, "-o", input, "--model", fixture.Plumbing), 2, "is the input");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Theory]
    [InlineData("90,10,20,20")]  // runs past the right edge of a 96-wide image
    [InlineData("200,200,5,5")]  // entirely outside
    public void Region_outside_the_image(string region)
    {
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--region", region), 2, "outside", _dir.File("out.png"));
    }

    [Fact]
    public void Malformed_region_and_out_of_range_options()
    {
        string input = GrayPng("in.png");
        string output = _dir.File("out.png");
        AssertRefused(Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--region", "1,2,3"), 2, "x,y,w,h", output);
        AssertRefused(Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--strength", "2.5"), 2, "strength", output);
        AssertRefused(Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--device", "gpu"), 2, "gpu", output);
    }

    [Theory]
    [InlineData("cuda", "CUDA")]
    [InlineData("tensorrt", "TensorRT")]
    public void A_gpu_device_that_cannot_run_here_is_refused_with_the_reason(string device, string label)
    {
        // This machine's ONNX Runtime is the CPU build: asking for a GPU explicitly must say why it cannot be used.
        string input = GrayPng("in.png");
        var r = Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--device", device);
        AssertRefused(r, 2, label, _dir.File("out.png"));
        Assert.Contains("--device auto", r.Stderr);
    }

    [Fact]
    public void Int8_without_a_calibration_names_the_command_that_makes_one()
    {
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--precision", "int8"), 3, "pdncolorize calibrate", _dir.File("out.png"));
    }

    [Fact]
    public void Fp16_runs_on_the_cpu_through_the_converted_model_and_the_budget_is_accepted()
    {
        string input = GrayPng("in.png");
        string output = _dir.File("out16.png");
        var r = Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--precision", "fp16", "--vram-budget", "4096");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(output));
        Assert.Contains("CPU FP16", r.Stdout);
    }

    [Fact]
    public void Fine_detail_runs_and_writes_the_result()
    {
        string input = GrayPng("in.png", 200, 120);
        string output = _dir.File("fine.png");
        var r = Run("colorize", input, "-o", output, "--model", fixture.Plumbing, "--detail", "fine", "--size", "64");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void Mask_of_another_size()
    {
        string input = GrayPng("in.png", 96, 64);
        ImageCodec.Save(TestImages.Gray(64, 64), _dir.File("mask.png"));
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--mask", _dir.File("mask.png")), 2, "same size", _dir.File("out.png"));
    }

    [Fact]
    public void The_global_pass_shape_is_a_quality_setting_not_a_colorize_switch()
    {
        // Measured and settled (auto); what the padded shape does to colours is measured with 'quality --global-shape'.
        string input = GrayPng("wide.png", 256, 128);
        var gone = Run("colorize", input, "-o", _dir.File("tiles.png"), "--model", fixture.Plumbing, "--global-shape", "tiles");
        Assert.True(gone.ExitCode == 2, gone.ToString());
        Assert.Contains("Unrecognized command or argument '--global-shape'", gone.Stderr);
        Assert.False(File.Exists(_dir.File("tiles.png")));
        var bad = Run("quality", _dir.Path, "--model", fixture.Plumbing, "--global-shape", "square");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("square", bad.Stderr);
    }

    [Fact]
    public void Model_with_wrong_io_shapes_exits_3()
    {
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.WrongOutput), 3, "model", _dir.File("out.png"));
    }

    [Fact]
    public void Model_returning_nan_exits_3()
    {
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.NaN), 3, "NaN", _dir.File("out.png"));
    }

    [Fact]
    public void Missing_model_file_exits_3()
    {
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png"), "--model", _dir.File("absent.onnx")), 3, "not found", _dir.File("out.png"));
    }

    [Fact]
    public void Without_model_and_without_the_embedded_model_exits_3()
    {
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "models", "pdnc-resnet18-v2.onnx")))
            return; // the embedded model is present in this build; nothing to check here
        string input = GrayPng("in.png");
        AssertRefused(Run("colorize", input, "-o", _dir.File("out.png")), 3, "pdnc-resnet18-v2", _dir.File("out.png"));
    }
}
