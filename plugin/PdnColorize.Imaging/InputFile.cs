using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PdnColorize.Imaging;

/// <summary>
/// Opens a file the user named for reading, refusing at once what is not a regular file. A FIFO named
/// <c>photo.png</c> blocks an ordinary open until some writer appears (the CLI hung forever), and a device such as
/// <c>/dev/urandom</c> never ends. On Linux and macOS the file is opened with O_NONBLOCK, which returns at once for a
/// FIFO and changes nothing for a regular file; the stream of a pipe or a device cannot seek, which is what tells
/// them apart from a file.
/// </summary>
public static class InputFile
{
    /// <exception cref="ImageDecodeException">Missing, a folder, unreadable, or not a regular file.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 64 * 1024)
    {
        if (Directory.Exists(path)) throw new ImageDecodeException(path, "is a folder, not an image file.");
        if (!File.Exists(path)) throw new ImageDecodeException(path, "does not exist.");
        FileStream stream;
        try
        {
            stream = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
                ? new FileStream(OpenNonBlocking(path), FileAccess.Read, bufferSize)
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, $"cannot be read: {e.Message}", e);
        }
        // A character device (/dev/urandom) seeks and reports length 0, yet reads data: no regular file does that.
        if (!stream.CanSeek || (stream.Length == 0 && ReadsData(stream)))
        {
            stream.Dispose();
            throw new ImageDecodeException(path, "is not a regular file (a pipe, socket or device); save the picture to a file and name that.");
        }
        return stream;
    }

    private static bool ReadsData(FileStream stream)
    {
        try { return stream.ReadByte() >= 0; }
        catch (IOException) { return false; }
        finally { if (stream.CanSeek) stream.Position = 0; }
    }

    private static SafeFileHandle OpenNonBlocking(string path)
    {
        // O_RDONLY = 0; O_NONBLOCK and O_CLOEXEC differ between Linux and macOS.
        int flags = OperatingSystem.IsMacOS() ? 0x0004 | 0x1000000 : 0x800 | 0x80000;
        int fd = Open(path, flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                13 or 1 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
                2 => new FileNotFoundException($"Could not find file '{path}'.", path),
                _ => new IOException($"open failed (errno {errno})."),
            };
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>open(2): glibc's file by its full name first (a bare "libc.so" is often a linker script), then "libc" (macOS, musl).</summary>
    private static int Open(string path, int flags)
    {
        if (!OperatingSystem.IsMacOS())
        {
            try { return OpenGlibc(path, flags); }
            catch (DllNotFoundException) { }
        }
        return OpenLibc(path, flags);
    }

    [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenGlibc([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenLibc([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
