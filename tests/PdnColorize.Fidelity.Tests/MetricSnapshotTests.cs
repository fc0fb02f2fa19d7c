using PdnColorize.Core.Color;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines.Providers;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit.Abstractions;

namespace PdnColorize.Fidelity.Tests;

/// <summary>
/// JSON metric snapshots (Snapshooter, <c>__snapshots__/</c> beside this file) per fixture photo, FP32 on the CPU EP.
/// <para>Rounding: every number is rounded to 1 decimal. The only difference expected between CPUs (AVX2 vs
/// AVX-512) is a float's last bit in the model, which moves a few pixels by one 8-bit level. One level is about
/// 0.3-0.5 in a*/b*/ΔE and about 1 in colourfulness, on a handful of the 64 000 pixels of a photo, so the means
/// move by 1e-4 or less: 1 decimal (a step of 0.1) absorbs that, except when a value lies within 1e-4 of a rounding
/// boundary. Anything a person could see (a white point, a hue rotation, a lost detail pass) moves them by far more
/// than 0.1. A real change is accepted by deleting the .snap file (Snapshooter rewrites it) and reviewing the diff.</para>
/// </summary>
[Collection("fidelity")]
public sealed class MetricSnapshotTests(FidelityFixture fixture, ITestOutputHelper output)
{
    public static IEnumerable<object[]> Photos => FidelityFixture.PhotoNames;

    private static double R(double v) => Math.Round(v, 1, MidpointRounding.AwayFromZero);

    [Theory]
    [MemberData(nameof(Photos))]
    public void Metrics_match_the_snapshot(string photo)
    {
        var truth = fixture.Photo(photo);
        var result = fixture.Colorized(photo, Precision.Fp32);
        var (meanA, meanB) = MeanAb(result);
        var vsTruth = ImageMetrics.Compare(result, truth, threads: 1);

        // The seam score needs tiles: detail fine at a 128 px model size tiles the 320x200 photo.
        var fineSettings = FidelityFixture.Settings with { Detail = DetailMode.Fine, ModelSize = 128 };
        var fine = new BgraImage(result.Width, result.Height);
        var field = new Colorizer(fixture.Model(Precision.Fp32)).Colorize(fixture.Gray(photo), fine, null, fineSettings);
        object seam = field.Detail?.Plan is { } plan
            ? new
            {
                Tiles = plan.TileCount,
                Score = R(SeamScore.Compute(fine, plan.Region, plan.TileEdgesX, plan.TileEdgesY, threads: 1).Score),
            }
            : new { Tiles = 0, Score = double.NaN };

        var snapshot = new
        {
            Photo = photo,
            Size = $"{result.Width}x{result.Height}",
            MeanA = R(meanA),
            MeanB = R(meanB),
            Colourfulness = R(ImageMetrics.Colourfulness(result)),
            ColourfulnessTruth = R(ImageMetrics.Colourfulness(truth)),
            DeltaE2000VsTruth = R(vsTruth.DeltaE2000),
            DeltaE2000GrayVsTruth = R(ImageMetrics.MeanCiede2000(fixture.Gray(photo), truth)),
            MeanAbsDeltaL = R(ImageMetrics.MeanAbsDeltaL(result, fixture.Gray(photo))),
            Seam = seam,
        };
        output.WriteLine(System.Text.Json.JsonSerializer.Serialize(snapshot));
        Snapshot.Match(snapshot, SnapshotNameExtension.Create(photo));
    }

    private static (double A, double B) MeanAb(BgraImage image)
    {
        double sa = 0, sb = 0;
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (int o = 0; o < row.Length; o += 4)
            {
                var (_, a, b) = CieLab.FromSrgb(row[o + 2] / 255.0, row[o + 1] / 255.0, row[o] / 255.0);
                sa += a; sb += b;
            }
        }
        double n = (double)image.Width * image.Height;
        return (sa / n, sb / n);
    }
}
