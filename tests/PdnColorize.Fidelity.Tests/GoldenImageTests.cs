using PdnColorize.Engines.Providers;
using Xunit.Abstractions;

namespace PdnColorize.Fidelity.Tests;

/// <summary>
/// Golden images: each fixture photo's gray version colourised with the embedded model on the CPU EP, judged by
/// CIEDE2000 against Snapshots/&lt;photo&gt;.png (made at FP32). FP16 and INT8 are judged against the same FP32 golden
/// with their own tolerances (<see cref="Tolerances"/>).
/// </summary>
[Collection("fidelity")]
public sealed class GoldenImageTests(FidelityFixture fixture, ITestOutputHelper output)
{
    public static IEnumerable<object[]> Photos => FidelityFixture.PhotoNames;

    [Theory]
    [MemberData(nameof(Photos))]
    public void Fp32_matches_the_golden(string photo)
    {
        var stats = ImageSnapshot.Match(fixture.Colorized(photo, Precision.Fp32), photo, Tolerances.Fp32);
        output.WriteLine($"{photo} fp32: {stats}");
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Fp16_is_within_the_fp16_tolerance_of_the_fp32_golden(string photo)
    {
        AcceptFp32GoldenFirst(photo);
        var result = fixture.Colorized(photo, Precision.Fp16);
        var stats = ImageSnapshot.Match(result, photo, Tolerances.Fp16, resultName: photo + ".fp16", mayUpdate: false);
        output.WriteLine($"{photo} fp16: {stats} ({fixture.Model(Precision.Fp16).Description})");
    }

    [Int8Theory]
    [MemberData(nameof(Photos))]
    public void Int8_is_within_the_int8_tolerance_of_the_fp32_golden(string photo)
    {
        AcceptFp32GoldenFirst(photo);
        var result = fixture.Colorized(photo, Precision.Int8);
        var stats = ImageSnapshot.Match(result, photo, Tolerances.Int8, resultName: photo + ".int8", mayUpdate: false);
        output.WriteLine($"{photo} int8: {stats} ({fixture.Model(Precision.Int8).Description})");
        foreach (var line in fixture.Log.Where(l => l.Contains("ranges") || l.Contains("QDQ"))) output.WriteLine(line);
    }

    /// <summary>With UPDATE_SNAPSHOTS=1 the FP32 golden is (re)written before FP16/INT8 are judged against it,
    /// whatever order the tests run in; FP16/INT8 never write the golden themselves.</summary>
    private void AcceptFp32GoldenFirst(string photo)
    {
        if (ImageSnapshot.Updating) ImageSnapshot.Match(fixture.Colorized(photo, Precision.Fp32), photo, Tolerances.Fp32);
    }

    [Fact]
    public void The_golden_folder_is_the_source_tree_not_bin()
    {
        Assert.DoesNotContain($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", SourceTree.Snapshots);
        Assert.True(File.Exists(Path.Combine(SourceTree.ProjectDirectory, "PdnColorize.Fidelity.Tests.csproj")), SourceTree.ProjectDirectory);
    }
}

/// <summary>
/// A theory that is skipped, with the reason, when INT8 cannot be run here: decided at discovery by a runtime check
/// (the calibration library that `pdncolorize calibrate` uses is present and exposes Calibrator.Run).
/// xUnit 2 has no Assert.Skip, so the check runs when the attribute is made.
/// </summary>
public sealed class Int8TheoryAttribute : TheoryAttribute
{
    public Int8TheoryAttribute()
    {
        if (Int8Support.Missing() is { } reason) Skip = reason;
    }
}

public static class Int8Support
{
    public static string? Missing()
    {
        if (Environment.GetEnvironmentVariable("PDNC_SKIP_INT8") is { Length: > 0 } why)
            return $"INT8 snapshot tests skipped: PDNC_SKIP_INT8={why}";
        var type = Type.GetType("PdnColorize.Calibration.Calibrator, PdnColorize.Calibration", throwOnError: false);
        if (type?.GetMethod("Run") is null)
            return "INT8 snapshot tests skipped: INT8 calibration (`pdncolorize calibrate`) is not available in this build";
        return null;
    }
}
