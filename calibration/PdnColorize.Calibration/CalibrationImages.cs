using PdnColorize.Core.Color;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;

namespace PdnColorize.Calibration;

/// <summary>One photo as the model sees it: the gray sRGB plane of its L*, area-resampled to the global grid.</summary>
public sealed record ModelInput(string File, float[] Gray, int Width, int Height)
{
    /// <summary>NCHW [1,3,H,W]: the gray plane three times, exactly as the global pass feeds the model.</summary>
    public float[] ToNchw()
    {
        int plane = Width * Height;
        var x = new float[3 * plane];
        Gray.CopyTo(x, 0);
        Gray.CopyTo(x, plane);
        Gray.CopyTo(x, 2 * plane);
        return x;
    }

    /// <summary>The global-pass preprocessing of <see cref="GlobalChromaPass"/>: grid of <see cref="RegionPlanner.GlobalGrid"/>, L* shrunk with the area filter, gray sRGB of L*.</summary>
    public static ModelInput From(string file, BgraImage image, int size, bool dynamicSize, CancellationToken cancellation)
    {
        var (gw, gh) = RegionPlanner.GlobalGrid(image.Bounds, size, dynamicSize);
        var lightness = GlobalChromaPass.DownsampledLightness(image, image.Bounds, gw, gh, cancellation);
        var gray = new float[lightness.Length];
        for (int i = 0; i < gray.Length; i++) gray[i] = (float)CieLab.GrayFromL(lightness[i]);
        return new ModelInput(file, gray, gw, gh);
    }
}

/// <summary>A file of the images folder that was not used, and why.</summary>
public sealed record SkippedFile(string File, string Reason);

/// <summary>The photos of a calibration run: those ranges are collected on, and those held out to check accuracy.</summary>
public sealed record ImageSplit(
    IReadOnlyList<ModelInput> Calibration,
    IReadOnlyList<string> Validation,
    IReadOnlyList<SkippedFile> Skipped,
    int FilesInFolder,
    int NotExamined);

public static class CalibrationImages
{
    /// <summary>
    /// Reads the folder (top level, in a shuffled but repeatable order) until <paramref name="samples"/> +
    /// <paramref name="validation"/> photos decode; files that are not images (by extension or content) are skipped and
    /// counted. With fewer photos than asked, a fifth (at least one, when there are two or more) is still held out and
    /// the rest calibrates.
    /// </summary>
    /// <exception cref="CalibrationInputException">The folder is missing or holds no usable image.</exception>
    public static ImageSplit Select(string directory, int samples, int validation, int size, bool dynamicSize, int seed,
        Action<string>? log, CancellationToken cancellation)
    {
        if (!Directory.Exists(directory)) throw new CalibrationInputException($"the images folder '{directory}' does not exist.");
        var files = Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).ToList();
        var skipped = new List<SkippedFile>();
        var candidates = new List<string>();
        foreach (var f in files)
        {
            if (ImageCodec.IsInputExtension(f)) candidates.Add(f);
            else skipped.Add(new SkippedFile(Path.GetFileName(f), "not an image file (extension)"));
        }
        Shuffle(candidates, seed);

        var good = new List<(string Path, ModelInput Input)>();
        int wanted = samples + validation, examined = 0;
        foreach (var path in candidates)
        {
            if (good.Count >= wanted) break;
            cancellation.ThrowIfCancellationRequested();
            examined++;
            try
            {
                var image = ImageCodec.Load(path);
                if (image.Width < 8 || image.Height < 8)
                {
                    skipped.Add(new SkippedFile(Path.GetFileName(path), $"{image.Width}x{image.Height} is too small"));
                    continue;
                }
                good.Add((path, ModelInput.From(Path.GetFileName(path), image, size, dynamicSize, cancellation)));
            }
            catch (ImageFileException e)
            {
                skipped.Add(new SkippedFile(Path.GetFileName(path), e.Message));
                log?.Invoke($"skipped {Path.GetFileName(path)}: {e.Message}");
            }
        }

        if (good.Count == 0)
            throw new CalibrationInputException(files.Count == 0
                ? $"the images folder '{directory}' is empty: calibration needs representative photos."
                : $"none of the {files.Count} files in '{directory}' is a readable image ({skipped.Count} skipped).");

        int held = good.Count >= wanted ? validation
            : validation == 0 || good.Count < 2 ? 0
            : Math.Min(validation, Math.Max(1, good.Count / 5));
        var validationFiles = good.Take(held).Select(g => g.Path).ToList();
        var calibration = good.Skip(held).Take(samples).Select(g => g.Input).ToList();
        return new ImageSplit(calibration, validationFiles, skipped, files.Count, candidates.Count - examined);
    }

    /// <summary>Fisher-Yates with a fixed seed: the same folder always splits the same way.</summary>
    private static void Shuffle(List<string> list, int seed)
    {
        var rng = new Random(seed);
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}

/// <summary>Bad input the user can fix (missing or empty folder, existing output): the CLI's exit code 2.</summary>
public sealed class CalibrationInputException(string message) : Exception(message);
