namespace PdnColorize.Imaging;

/// <summary>
/// An image file the user named cannot be used: missing, not an image, damaged, too large, or an output path that
/// cannot be written. The message is one user-facing sentence that names the file. The CLI maps it to exit code 2.
/// </summary>
public abstract class ImageFileException : Exception
{
    protected ImageFileException(string path, string problem, Exception? inner)
        : base($"{Describe(path)} {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The message without the file name, e.g. "is truncated".</summary>
    public string Problem { get; }

    private static string Describe(string path) => string.IsNullOrEmpty(path) ? "The image" : $"'{path}'";
}

/// <summary>Reading an image (or a mask) failed. Every decode failure of <see cref="ImageCodec"/> is this type.</summary>
public sealed class ImageDecodeException(string path, string problem, Exception? inner = null)
    : ImageFileException(path, problem, inner);

/// <summary>An output path that cannot be written: unsupported extension, missing folder, no permission.</summary>
public sealed class ImageSaveException(string path, string problem, Exception? inner = null)
    : ImageFileException(path, problem, inner);

/// <summary>
/// The disk ran out of space while an output was written (ENOSPC, ERROR_DISK_FULL): every later file would fail the
/// same way, so a batch stops here. The temporary file was deleted.
/// </summary>
public sealed class DiskFullException(string path, Exception inner)
    : ImageFileException(path, "cannot be written: no space left on the disk.", inner)
{
    /// <summary>True for the I/O errors that mean "no space left": ENOSPC (28 on Linux and macOS) or Windows' disk-full codes.</summary>
    public static bool Means(Exception e) => e is IOException && e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);
}
