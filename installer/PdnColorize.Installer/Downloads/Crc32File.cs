using System.Globalization;
using System.IO.Hashing;

namespace PdnColorize.Installer.Downloads;

/// <summary>
/// The CRC-32 check for publishers who state no SHA-256 but a <c>.hash</c> file beside each model (FaceFusion: the
/// file holds <c>format(zlib.crc32(content), '08x')</c>, eight lowercase hex digits). A CRC-32 catches a damaged or
/// truncated download, not a deliberate substitution; the SHA-256 computed after it is what the manifest records.
/// </summary>
public static class Crc32File
{
    /// <summary>Fetches the hash file from the first URL that answers and returns its CRC-32 (8 hex digits, lowercase).</summary>
    public static async Task<string> FetchExpectedAsync(HttpClient http, IReadOnlyList<string> urls, CancellationToken cancellation)
    {
        var errors = new List<string>();
        foreach (var url in urls)
        {
            try
            {
                using var response = await http.GetAsync(url, cancellation).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    errors.Add($"{url}: HTTP {(int)response.StatusCode}");
                    continue;
                }
                string text = (await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false)).Trim();
                return Parse(text) ?? throw new DownloadException(
                    $"the hash file {url} does not hold a CRC-32 (8 hex digits); it starts with '{Shorten(text)}'.");
            }
            catch (HttpRequestException e)
            {
                errors.Add($"{url}: {e.Message}");
            }
        }
        throw new DownloadException($"could not fetch the publisher's hash file ({string.Join("; ", errors)}); nothing was installed.");
    }

    /// <summary>The CRC-32 in a hash file's text, or null when it is not 8 hex digits.</summary>
    public static string? Parse(string text)
    {
        text = text.Trim();
        return text.Length == 8 && uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _)
            ? text.ToLowerInvariant()
            : null;
    }

    /// <summary>The file's CRC-32 (IEEE, as zlib) as 8 lowercase hex digits.</summary>
    public static async Task<string> ComputeAsync(string path, CancellationToken cancellation)
    {
        var crc = new Crc32();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await crc.AppendAsync(stream, cancellation).ConfigureAwait(false);
        return crc.GetCurrentHashAsUInt32().ToString("x8", CultureInfo.InvariantCulture);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
