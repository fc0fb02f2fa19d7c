using System.Text.Json;
using System.Text.Json.Serialization;

namespace PdnColorize.Engines;

/// <summary>The JSON that sits beside each model file (<c>&lt;id&gt;.json</c> next to <c>&lt;id&gt;.onnx</c>).</summary>
public sealed record ModelManifest
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>The size the model runs at best (the global pass size S).</summary>
    public int InputSize { get; init; } = 256;
    public bool DynamicSize { get; init; }
    public string License { get; init; } = "";
    public string Source { get; init; } = "";
    public string Sha256 { get; init; } = "";
    public long Parameters { get; init; }
    public string Notes { get; init; } = "";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ModelManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json)
                   ?? throw new ModelContractException($"Model manifest {path} is empty.");
        }
        catch (JsonException e)
        {
            throw new ModelContractException($"Model manifest {path} is not valid: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
