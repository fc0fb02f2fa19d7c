using System.Globalization;

namespace PdnColorize.Cli;

/// <summary>
/// Bounds <c>--size</c> (the model's global-pass size S) for one photo. Running at a size above the photo's larger
/// side only upsamples it first, so S is capped there (rounded up to a multiple of 32). And ONNX Runtime's memory on
/// the CPU grows with S x S: <c>--size 4096</c> on the embedded model took 16 GB and 129 s. A size whose estimate does
/// not fit in the memory this process may use is refused with the largest size that does.
/// </summary>
public static class ModelSizeBound
{
    /// <summary>
    /// Peak memory per model pixel (S x S) on the CPU at FP32 with --detail global, from peak RSS less the run at 256
    /// (about 120-160 MB): pdnc-compact-v1 on a 640x400 photo 957 MB at S = 1024 and 2032 MB at 1536 (800-805 bytes a
    /// pixel); pdnc-resnet18-v2 on a 2048x1536 photo 615 MB at 1024 and 2035 MB at 1536 (460 and 817: ONNX Runtime's
    /// arena grows in steps). A floor, not a promise: larger models need more.
    /// </summary>
    public const long BytesPerModelPixel = 800;

    /// <summary>The share of the process's available memory the model run may take (the photo and its planes need the rest).</summary>
    public const double MemoryShare = 0.8;

    /// <summary>What this process may use: the machine's memory or the container's / GC heap limit.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// The size to run <paramref name="requested"/> at for a <paramref name="width"/> x <paramref name="height"/> photo.
    /// </summary>
    /// <param name="note">Why the size was lowered; null when it was not.</param>
    /// <exception cref="UsageException">Even the capped size does not fit in <paramref name="availableBytes"/>.</exception>
    public static int ForPhoto(int requested, int width, int height, long availableBytes, string path, out string? note)
    {
        note = null;
        int size = requested;
        int photo = Math.Max(32, (Math.Max(width, height) + 31) / 32 * 32);
        if (size > photo)
        {
            note = $"--size {requested} is larger than '{path}' ({width}x{height}): running at {photo}, its larger side.";
            size = photo;
        }
        long need = BytesPerModelPixel * size * size;
        long budget = (long)(availableBytes * MemoryShare);
        if (need > budget)
        {
            int fits = (int)Math.Sqrt(budget / (double)BytesPerModelPixel) / 32 * 32;
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--size {size} needs at least {need / 1073741824.0:F1} GiB for the model run ({BytesPerModelPixel} bytes per model pixel, measured with the embedded model on the CPU); " +
                $"this process may use {availableBytes / 1073741824.0:F1} GiB. The largest size that fits: {Math.Max(32, fits)}."));
        }
        return size;
    }
}
