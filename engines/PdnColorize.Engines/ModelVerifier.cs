using System.Security.Cryptography;
using System.Text;

namespace PdnColorize.Engines;

/// <summary>
/// Checks a model before its first use: the manifest's input size is one a model can run at, and the file's bytes
/// match the manifest's SHA-256 (a bit-flipped copy otherwise colours with wrong colours and exit 0). Hashing a
/// 900 MB model takes seconds, so a passed check is remembered in <paramref name="verdictFile"/> by path, size,
/// write time and expected hash: a model that changes on disk (new size or time) is hashed again. The file holds
/// only verdicts that passed, one SHA-256 of such a key a line; it is advisory, and a cache that cannot be written
/// only costs a rehash next time.
/// </summary>
public sealed class ModelVerifier(string? verdictFile)
{
    /// <summary>The verdicts beside the other derived artefacts (PDNCOLORIZE_CACHE or local app data).</summary>
    public static ModelVerifier Default() => new(Path.Combine(Caching.CacheStore.DefaultRoot(), VerdictFileName));

    /// <summary>The verdict file's name in a cache folder.</summary>
    public const string VerdictFileName = "verified-models.txt";

    /// <summary>True when the last <see cref="Check"/> had to hash the file (false: an earlier verdict was reused).</summary>
    public bool Hashed { get; private set; }

    /// <exception cref="ModelContractException">The manifest's input size is out of range, or the bytes do not match its SHA-256.</exception>
    public void Check(ModelEntry entry)
    {
        Hashed = false;
        int size = entry.Manifest.InputSize;
        if (size is < ModelManifest.MinInputSize or > ModelManifest.MaxInputSize)
            throw new ModelContractException(
                $"the manifest of '{entry.ModelPath}' declares input_size {size}; a model runs at {ModelManifest.MinInputSize}..{ModelManifest.MaxInputSize}. {RepairAdvice(entry)}");

        string expected = entry.Manifest.Sha256.Trim();
        if (expected.Length == 0) return; // a bare .onnx or a manifest without a hash: nothing to check against
        var info = new FileInfo(entry.ModelPath);
        if (!info.Exists) throw new ModelContractException($"Model file not found: {entry.ModelPath}");
        string verdict = VerdictLine(info, expected);
        if (KnownGood().Contains(verdict))
        {
            // The verdict says these bytes hash to `expected`: the session and cache keys need not read them again.
            ModelFingerprint.Remember(info, expected);
            return;
        }

        Hashed = true;
        string actual = ModelFingerprint.Of(info.FullName);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new ModelContractException(
                $"'{entry.ModelPath}' is damaged: its SHA-256 is {actual}, its manifest says {expected.ToLowerInvariant()}. {RepairAdvice(entry)}");
        Remember(verdict);
    }

    /// <summary>The command that puts a good copy back.</summary>
    public static string RepairAdvice(ModelEntry entry) => entry.Embedded
        ? "Repair the installation with: pdncolorize-setup repair"
        : $"Install it again with: pdncolorize-setup models remove {entry.Manifest.Id}, then pdncolorize-setup models download {entry.Manifest.Id} (or models import the original file).";

    private static string VerdictLine(FileInfo info, string expected) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{expected.ToLowerInvariant()}")));

    private HashSet<string> KnownGood()
    {
        try
        {
            return verdictFile is not null && File.Exists(verdictFile)
                ? File.ReadLines(verdictFile).Select(l => l.Trim()).Where(l => l.Length == 64).ToHashSet(StringComparer.Ordinal)
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void Remember(string verdict)
    {
        if (verdictFile is null) return;
        string temp = $"{verdictFile}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(verdictFile))!);
            // The newest 256 verdicts: enough for every installed model; a stale one only costs a rehash.
            var lines = KnownGood().Append(verdict).Distinct().TakeLast(256);
            File.WriteAllLines(temp, lines);
            File.Move(temp, verdictFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }
}
