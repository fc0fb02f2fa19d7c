using System.Diagnostics;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality;

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
        Draw(img);
        return img;
    }

    /// <summary>Draws the gray test card over the whole image (B = G = R, as a black-and-white photo).</summary>
    public static void Draw(BgraImage img)
    {
        for (int y = 0; y < img.Height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < img.Width; x++)
            {
                byte v = (byte)((x ^ y) * 31 / 7 + (x / 64 + y / 64) * 13);
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = 255;
            }
        }
    }

    /// <summary>
    /// Runs the pipeline <paramref name="repeats"/> times on the test card in place and reports the best run of each
    /// stage after the first (and the first run's total on its own). The card is redrawn (untimed) before every run, so each run colourises the same gray pixels, as a job
    /// on a black-and-white photo does (a run on the previous run's colours would time another input).
    /// <paramref name="settings"/> picks detail mode, upsampling and strength (default: the product's defaults); its
    /// threads are replaced by <paramref name="threads"/>. With the detail pass the first stage includes the second L* grid, the
    /// tiles' model I/O, harmonisation and blending (the free model itself costs next to nothing).
    /// </summary>
    /// <param name="card">An image made by <see cref="TestCard"/>.</param>
    public static IReadOnlyList<PipelineTiming> Run(BgraImage card, int threads, int modelSize = 256, int repeats = 3,
        ColorizeSettings? settings = null) => Run(card, threads, modelSize, repeats, settings, out _);

    /// <inheritdoc cref="Run(BgraImage, int, int, int, ColorizeSettings?)"/>
    /// <param name="report">What the detail setting became (fine or global, and why).</param>
    public static IReadOnlyList<PipelineTiming> Run(BgraImage card, int threads, int modelSize, int repeats,
        ColorizeSettings? settings, out string report)
    {
        var colorizer = new Colorizer(new FreeModel(modelSize));
        settings = (settings ?? new ColorizeSettings()) with { Threads = threads };
        report = "";
        var source = card;
        var runs = new List<(double Predict, double Compose)>();
        for (int r = 0; r < repeats; r++)
        {
            if (r > 0) Draw(source);
            var clock = Stopwatch.StartNew();
            var chroma = colorizer.Predict(source, null, settings);
            report = chroma.Detail?.ToString() ?? "";
            double predict = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            // Compose into the image itself: the CLI works in place, so no second full-size buffer exists.
            colorizer.Compose(source, source, chroma, null, settings);
            runs.Add((predict, clock.Elapsed.TotalMilliseconds));
        }
        // The first run pays the JIT and first touches of fresh memory (measured up to 2x slower in stage one): it is
        // reported on its own, and the best of the others is the steady per-pixel cost.
        var steady = runs.Count > 1 ? runs.Skip(1).ToList() : runs;
        double bestPredict = steady.Min(r => r.Predict), bestCompose = steady.Min(r => r.Compose);
        double first = runs[0].Predict + runs[0].Compose;
        double pixels = (double)card.Width * card.Height;
        return new[]
        {
            new PipelineTiming("luminance + area resample + model I/O (+ detail tiles)", bestPredict, bestPredict * 1e6 / pixels),
            new PipelineTiming("chroma upsample + compose + Lab->sRGB", bestCompose, bestCompose * 1e6 / pixels),
            new PipelineTiming("total (non-inference)", bestPredict + bestCompose, (bestPredict + bestCompose) * 1e6 / pixels),
            new PipelineTiming("first run of this configuration (JIT, first touch)", first, first * 1e6 / pixels),
        };
    }
}
