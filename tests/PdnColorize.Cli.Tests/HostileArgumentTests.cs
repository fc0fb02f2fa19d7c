using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>
/// Values a hostile or careless user types for the number options, and arguments that used to end in "unexpected
/// error" (exit 1): each must end with exit 2, one line naming the option and what it got, and nothing written.
/// </summary>
public sealed class HostileArgumentTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, args);

    private string GrayPng(string name = "in.png")
    {
        string path = _dir.File(name);
        ImageCodec.Save(TestImages.Gray(64, 48), path);
        return path;
    }

    [Theory]
    [InlineData("--strength", "abc")]
    [InlineData("--strength", "inf")]
    [InlineData("--strength", "Infinity")]
    [InlineData("--strength", "NaN")]
    [InlineData("--strength", "")]
    [InlineData("--strength", "0x1")]
    [InlineData("--context", "lots")]
    [InlineData("--threads", "1.5")]
    [InlineData("--threads", "0x1")]
    [InlineData("--size", "big")]
    [InlineData("--size", "99999999999")]
    [InlineData("--vram-budget", "-")]
    public void Colorize_refuses_a_non_number_naming_option_and_value(string option, string value)
    {
        string input = GrayPng();
        var r = Run("colorize", input, "-o", _dir.File("out.png"), "--model", fixture.Plumbing, option, value);
        Assert.True(r.ExitCode == 2, r.ToString());
        string first = r.Stderr.Split('\n')[0];
        Assert.Contains(option, first);
        Assert.Contains($"'{value}'", first);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        Assert.DoesNotContain("Unhandled", r.Stderr);
        Assert.Equal(["in.png"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_decimal_comma_is_named_as_such_instead_of_read_as_five()
    {
        var r = Run("colorize", GrayPng(), "--strength", "0,5");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'0,5'", r.Stderr);
        Assert.Contains("decimal point", r.Stderr);
        Assert.DoesNotContain("got 5", r.Stderr);
    }

    [Theory]
    [InlineData("batch", "--strength", "abc")]
    [InlineData("eval", "--limit", "abc")]
    [InlineData("eval", "--limit", "0")]
    [InlineData("calibrate", "--samples", "many")]
    [InlineData("calibrate", "--percentile", "inf")]
    public void Other_verbs_refuse_non_numbers_too(string verb, string option, string value)
    {
        string[] args = verb switch
        {
            "batch" => ["batch", _dir.Path, _dir.File("out"), option, value],
            "eval" => ["eval", _dir.Path, option, value],
            _ => ["calibrate", fixture.Plumbing, _dir.Path, option, value],
        };
        var r = Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(option, r.Stderr);
        Assert.Contains($"'{value}'", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public void A_region_past_the_largest_int_is_bad_input_not_an_unexpected_error()
    {
        var r = Run("colorize", GrayPng(), "-o", _dir.File("out.png"), "--model", fixture.Plumbing, "--region", "2147483647,0,10,10");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--region", r.Stderr);
        Assert.DoesNotContain("unexpected", r.Stderr);
        Assert.False(File.Exists(_dir.File("out.png")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void An_empty_output_name_is_bad_input(string output)
    {
        var r = Run("colorize", GrayPng(), "-o", output, "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--output", r.Stderr);
        Assert.DoesNotContain("unexpected", r.Stderr);
    }
}
