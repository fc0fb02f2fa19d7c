using System.Diagnostics;
using System.Numerics.Tensors;
using PdnColorize.Core.Color;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pixels;
using PdnColorize.Core.Resampling;

namespace PdnColorize.Core.Pipeline;

/// <summary>
/// Steps 3-4 of a run (docs/architecture.md): L* of the region, area-resampled to the model grid while streaming rows, fed as the gray
/// sRGB image of L (a = b = 0) exactly as DDColor's own pipeline does; returns the clamped ab grid.
/// </summary>
public static class GlobalChromaPass
{
    /// <summary>DDColor can overshoot the Lab range; anything past this is clamped.</summary>
    public const float AbLimit = 127f;

    public static ChromaField Run(BgraImage source, PixelRect roi, IChromaModel model, int size, CancellationToken cancellation)
    {
        if (!source.Bounds.Contains(roi) || roi.IsEmpty) throw new ArgumentException($"region {roi} is not inside the image");
        var (gw, gh) = RegionPlanner.GlobalGrid(roi, size, model.DynamicSize);
        var lightness = DownsampledLightness(source, roi, gw, gh, cancellation);
        return FromLightness(lightness, gw, gh, roi, model, cancellation);
    }

    /// <summary>The model's ab for an L* grid of the region (the grid is kept as the field's guide).</summary>
    /// <param name="canvas">Run at the detail tiles' shape instead of the grid's own (GPU jobs that tile); null = own shape.</param>
    public static ChromaField FromLightness(float[] lightness, int gw, int gh, PixelRect roi, IChromaModel model, CancellationToken cancellation,
        GlobalCanvas? canvas = null)
    {
        int plane = gw * gh;
        if (canvas is not null && (canvas.GridWidth != gw || canvas.GridHeight != gh))
            throw new ArgumentException($"the canvas holds a {canvas.GridWidth}x{canvas.GridHeight} grid; the global grid is {gw}x{gh}");
        var gray = new float[3 * plane];
        for (int i = 0; i < plane; i++) gray[i] = (float)CieLab.GrayFromL(lightness[i]);

        var ab = new float[2 * plane];
        TimeSpan elapsed;
        if (canvas is null)
        {
            gray.AsSpan(0, plane).CopyTo(gray.AsSpan(plane, plane));
            gray.AsSpan(0, plane).CopyTo(gray.AsSpan(2 * plane, plane));
            var clock = Stopwatch.StartNew();
            model.Predict(gray, 1, gh, gw, ab, cancellation);
            elapsed = clock.Elapsed;
        }
        else
        {
            var input = canvas.Input(gray.AsSpan(0, plane));
            var output = new float[(long)canvas.Batch * 2 * canvas.Width * canvas.Height];
            var clock = Stopwatch.StartNew();
            model.Predict(input, canvas.Batch, canvas.Height, canvas.Width, output, cancellation);
            elapsed = clock.Elapsed;
            canvas.Crop(output, ab);
        }

        CheckAndClamp(ab, model);
        return new ChromaField(roi, gw, gh, ab[..plane], ab[plane..], model.Description) { InferenceTime = elapsed, Guide = lightness };
    }

    /// <summary>Refuses NaN/infinity and clamps to the Lab range, in place.</summary>
    public static void CheckAndClamp(Span<float> ab, IChromaModel model)
    {
        if (!TensorPrimitives.IsFiniteAll<float>(ab))
            throw new ModelOutputException($"{model.Description} returned NaN or infinite colours.");
        TensorPrimitives.Clamp<float>(ab, -AbLimit, AbLimit, ab);
    }

    /// <summary>
    /// L* of the region on the detail grid (area filter, streamed from the source) and on the global grid, the latter
    /// area-resampled from the former: one full-resolution pass instead of two. Where the detail grid divides the
    /// global grid (2560 x 1600 -> 1024 x 640 -> 256 x 160) this is exactly the direct area average; otherwise cell
    /// borders are softened by at most one detail cell.
    /// </summary>
    public static (float[] Global, float[] Detail) DownsampledLightness(BgraImage source, PixelRect roi,
        (int Width, int Height) global, (int Width, int Height) detail, CancellationToken cancellation)
    {
        var fine = DownsampledLightness(source, roi, detail.Width, detail.Height, cancellation);
        var coarse = new AreaDownsampler(detail.Width, detail.Height, global.Width, global.Height);
        for (int y = 0; y < detail.Height; y++) coarse.AddRow(y, fine.AsSpan(y * detail.Width, detail.Width));
        return (coarse.Result(), fine);
    }

    /// <summary>L* of the region shrunk (area filter) to gw x gh, one source row in memory at a time.</summary>
    public static float[] DownsampledLightness(BgraImage source, PixelRect roi, int gw, int gh, CancellationToken cancellation)
    {
        var down = new AreaDownsampler(roi.Width, roi.Height, gw, gh);
        var l = new float[roi.Width];
        for (int y = 0; y < roi.Height; y++)
        {
            if ((y & 255) == 0) cancellation.ThrowIfCancellationRequested();
            LabRow.LightnessFromBgra(source.Row(roi.Y + y, roi.X, roi.Width), l);
            down.AddRow(y, l);
        }
        return down.Result();
    }
}
