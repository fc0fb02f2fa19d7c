using System.Text;
using System.Text.RegularExpressions;

namespace PdnColorize.Imaging;

/// <summary>
/// The temporary files a save writes before its rename: <c>.&lt;name&gt;.&lt;8 hex&gt;.tmp</c> beside the target. A
/// process killed during a save (SIGKILL, power loss) leaves one behind; <see cref="RemoveStale"/> deletes those on
/// the next run. A save holds its temporary file open exclusively (on Unix .NET takes an flock for
/// <see cref="FileShare.None"/>), so one another process is still writing cannot be opened and is left alone; and
/// only files untouched for a minute are considered, since between a save's close and its rename the file is free.
/// </summary>
public static partial class TempFiles
{
    /// <summary>The longest file name most file systems take, in bytes.</summary>
    private const int MaxNameBytes = 255;

    /// <summary>A save's temporary file older than this (last write) and not held open is stale.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    [GeneratedRegex(@"^\..+\.[0-9a-f]{8}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>
    /// A fresh temporary path for <paramref name="fullTarget"/>, in its folder. A long target name is shortened in
    /// the temporary name (14 bytes are added), so every name the file system takes can be saved.
    /// </summary>
    public static string For(string fullTarget)
    {
        string name = Path.GetFileName(fullTarget);
        const int added = 14; // "." + "." + 8 hex + ".tmp"
        if (Encoding.UTF8.GetByteCount(name) + added > MaxNameBytes)
        {
            var shortened = new StringBuilder();
            int bytes = 0;
            foreach (var rune in name.EnumerateRunes())
            {
                if (bytes + rune.Utf8SequenceLength + added > MaxNameBytes) break;
                shortened.Append(rune.ToString());
                bytes += rune.Utf8SequenceLength;
            }
            name = shortened.ToString();
        }
        return Path.Combine(Path.GetDirectoryName(fullTarget)!, $".{name}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
    }

    /// <summary>True for a name of the form <see cref="For"/> makes.</summary>
    public static bool IsTempName(string fileName) => Pattern().IsMatch(fileName);

    /// <summary>Deletes this program's stale temporary files in <paramref name="folder"/>; returns their names.</summary>
    public static IReadOnlyList<string> RemoveStale(string folder)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder)) return removed;
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(folder, ".*.tmp").Where(f => IsTempName(Path.GetFileName(f))).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (string file in candidates)
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < StaleAfter) continue;
                // Opening it exclusively fails while a save holds it; DeleteOnClose removes it as we let go.
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
                removed.Add(Path.GetFileName(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Held by a live save, or not ours to delete: leave it.
            }
        }
        return removed;
    }
}
