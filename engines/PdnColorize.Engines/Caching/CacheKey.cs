using System.Security.Cryptography;
using System.Text;

namespace PdnColorize.Engines.Caching;

/// <summary>
/// Names a derived artefact (converted model, TensorRT engine, memory model). ORT's own engine cache key ignores
/// weights, so a model retrained with the same graph would reuse a stale engine; ours hashes the model bytes and
/// every version that changes the result.
/// </summary>
public sealed record CacheKey(string ModelSha256, string Kind, string Precision, string ConverterVersion,
    string OrtVersion, string? TensorRtVersion = null, string? ComputeCapability = null)
{
    /// <summary>A short, file-name-safe digest of every field.</summary>
    public string Digest
    {
        get
        {
            string text = string.Join("|", ModelSha256, Kind, Precision, ConverterVersion, OrtVersion, TensorRtVersion ?? "-", ComputeCapability ?? "-");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
        }
    }

    /// <summary>Readable folder name: kind-precision-digest.</summary>
    public string FolderName => $"{Kind}-{Precision}-{Digest}";
}
