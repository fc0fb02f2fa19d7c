using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PdnColorize.Engines.Gpu;

namespace PdnColorize.Engines;

/// <summary>
/// The JSON this assembly reads and writes (model manifests, the cached memory model, the list of unsafe precisions),
/// through source-generated metadata: a trimmed or single-file publish, where reflection-based System.Text.Json is
/// disabled, reads and writes them too.
/// </summary>
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(MemoryModel))]
[JsonSerializable(typeof(HashSet<string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class EnginesJson : JsonSerializerContext;

/// <summary>Typed metadata from an options instance whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a source-generated context.</summary>
public static class JsonTypeInfos
{
    public static JsonTypeInfo<T> Of<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
