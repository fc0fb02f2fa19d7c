using System.Diagnostics;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Core.Diagnostics;

/// <summary>One measured pass of the CPU-side pipeline, per pixel of the image.</summary>
public sealed record PipelineTiming(string Stage, double Milliseconds, double NanosecondsPerPixel);

/// <summary>
/// Times everything the pipeline does around the model (L* + area resample, upsample + compose) on a synthetic
/// image, with a model stand-in that costs nothing, so the numbers are the host-side work alone.
/// </summary>
public static class PipelineBenchmark
{
    private sealed class FreeModel(int size) : IChromaModel
    {
        public string Description => "no-op model (benchmark)";
        public int PreferredSize => size;
        public bool DynamicSize => true;

        public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
        {
            int plane = height * width;
            for (int i = 0; i < plane; i++) { ab[i] = 40 * gray[i] - 20; ab[plane + i] = 25 - 50 * gray[i]; }
        }
    }

    /// <summary>Builds a width x height gray test card (deterministic).</summary>
    public static BgraImage TestCard(int width, int height)
    {
        var img = new BgraImage(width, height);
        for (int y = 0; y < height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)((x ^ y) * 31 / 7 + (x / 64 + y / 64) * 13);
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = 255;
            }
        }
        return img;
    }

    /// <summary>
    /// Runs the pipeline <paramref name="repeats"/> times on the image in place and reports the best run of each stage.
    /// <paramref name="settings"/> picks detail mode and upsampling (default: the product's defaults); its threads are
    /// replaced by <paramref name="threads"/>. With the detail pass the first stage includes the second L* grid, the
    /// tiles' model I/O, harmonisation and blending (the free model itself costs next to nothing).
    /// </summary>
    public static IReadOnlyList<PipelineTiming> Run(BgraImage image, int threads, int modelSize = 256, int repeats = 3,
        ColorizeSettings? settings = null) => Run(image, threads, modelSize, repeats, settings, out _);

    /// <inheritdoc cref="Run(BgraImage, int, int, int, ColorizeSettings?)"/>
    /// <param name="report">What the detail setting became (fine or global, and why).</param>
    public static IReadOnlyList<PipelineTiming> Run(BgraImage image, int threads, int modelSize, int repeats,
        ColorizeSettings? settings, out string report)
    {
        var colorizer = new Colorizer(new FreeModel(modelSize));
        settings = (settings ?? new ColorizeSettings()) with { Threads = threads };
        report = "";
        var source = image;
        double bestPredict = double.MaxValue, bestCompose = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var chroma = colorizer.Predict(source, null, settings);
            report = chroma.Detail?.ToString() ?? "";
            bestPredict = Math.Min(bestPredict, clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            // Compose into the image itself: the CLI works in place, so no second full-size buffer exists.
            colorizer.Compose(source, source, chroma, null, settings with { Strength = 0.999 });
            bestCompose = Math.Min(bestCompose, clock.Elapsed.TotalMilliseconds);
        }
        double pixels = (double)image.Width * image.Height;
        return new[]
        {
            new PipelineTiming("luminance + area resample + model I/O (+ detail tiles)", bestPredict, bestPredict * 1e6 / pixels),
            new PipelineTiming("chroma upsample + compose + Lab->sRGB", bestCompose, bestCompose * 1e6 / pixels),
            new PipelineTiming("total (non-inference)", bestPredict + bestCompose, (bestPredict + bestCompose) * 1e6 / pixels),
        };
    }
}
