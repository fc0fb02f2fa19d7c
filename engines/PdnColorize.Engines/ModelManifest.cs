using System.Text.Json;
using System.Text.Json.Serialization;

namespace PdnColorize.Engines;

/// <summary>The JSON that sits beside each model file (<c>&lt;id&gt;.json</c> next to <c>&lt;id&gt;.onnx</c>).</summary>
public sealed record ModelManifest
{
    // Properties with a default are { get; set; }: System.Text.Json's source generator passes init-only properties
    // through an object initializer and so loses the default of one missing from the file (dotnet/runtime#84484).
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>The size the model runs at best (the global pass size S).</summary>
    public int InputSize { get; set; } = 256;

    /// <summary>The model sizes a manifest may declare and every size option accepts (one range for all of them).</summary>
    public const int MinInputSize = 32, MaxInputSize = 4096;
    public bool DynamicSize { get; init; }
    public string License { get; set; } = "";
    public string Source { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Parameters { get; init; }
    public string Notes { get; set; } = "";

    // The model descriptor (docs/models/descriptors.md): how the published model's I/O is spelled. Null means
    // "infer from the I/O shapes"; Descriptors.DescriptorResolver says which field to add when it cannot.
    /// <summary><c>gray-rgb01</c>, <c>gray-rgb255</c> or <c>L100</c>.</summary>
    public string? Input { get; init; }
    /// <summary><c>lab-ab</c>, <c>rgb01</c> or <c>rgb255</c>.</summary>
    public string? Output { get; init; }
    /// <summary>A dynamic model's sizes must be multiples of this (e.g. 16 for DeOldify); null = the pipeline's 32.</summary>
    public int? SizeMultiple { get; init; }
    public int? MinSize { get; init; }
    public int? MaxSize { get; init; }
    /// <summary>Sizes the publisher runs the model at, best first; informational (InputSize is the one used).</summary>
    public IReadOnlyList<int>? RecommendedSizes { get; init; }
    /// <summary>
    /// <c>"zeros"</c>: every input after the first is fed zeros shaped like the photo input (e.g. Zhang SIGGRAPH17's
    /// colour hints and hint mask: no hints, automatic colourisation). Null: a model must have one input.
    /// </summary>
    public string? ExtraInputs { get; init; }
    /// <summary>The published family, e.g. "DDColor" or "DeOldify", shown beside the name in model choices.</summary>
    public string? Family { get; init; }

    /// <summary>A requested run size kept within the manifest's <see cref="MinSize"/>..<see cref="MaxSize"/>.</summary>
    public int ClampSize(int size) => Math.Min(MaxSize ?? int.MaxValue, Math.Max(MinSize ?? 0, size));

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Names such as "gray-rgb255 -> rgb255" stay readable in the file people open to check a model.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = EnginesJson.Default,
    };

    public static ModelManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), Json.Of<ModelManifest>())
                   ?? throw new ModelContractException($"Model manifest {path} is empty.");
        }
        catch (JsonException e)
        {
            throw new ModelContractException($"Model manifest {path} is not valid: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.Of<ModelManifest>());
}
