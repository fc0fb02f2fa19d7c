namespace PdnColorize.Engines.Descriptors;

/// <summary>What a published colouriser takes in. The names are fixed: manifests and catalogs spell them.</summary>
public enum InputConvention
{
    /// <summary><c>gray-rgb01</c>: [N,3,H,W] gray sRGB in 0..1 (DDColor; PdnColorize's internal contract).</summary>
    GrayRgb01,
    /// <summary><c>gray-rgb255</c>: [N,3,H,W] gray sRGB in 0..255 (FaceFusion's DeOldify exports).</summary>
    GrayRgb255,
    /// <summary><c>L100</c>: [N,1,H,W] CIE L* in 0..100 (Zhang ECCV16-style exports).</summary>
    L100,
}

/// <summary>What a published colouriser gives back.</summary>
public enum OutputConvention
{
    /// <summary><c>lab-ab</c>: [N,2,h,w] Lab a and b; h, w may be smaller than the input's (e.g. a quarter).</summary>
    LabAb,
    /// <summary><c>rgb01</c>: [N,3,h,w] a colour sRGB image in 0..1; only its chroma is used.</summary>
    Rgb01,
    /// <summary><c>rgb255</c>: [N,3,h,w] a colour sRGB image in 0..255; only its chroma is used.</summary>
    Rgb255,
}

/// <summary>
/// A model's I/O convention, from its manifest (<c>"input"</c>/<c>"output"</c>) or inferred from its I/O shapes.
/// The internal contract is gray-rgb01 in, lab-ab out at the input's size; <see cref="ContractAdapter"/> turns any
/// other descriptor into it.
/// </summary>
public sealed record ModelDescriptor(InputConvention Input, OutputConvention Output)
{
    public static readonly ModelDescriptor Contract = new(InputConvention.GrayRgb01, OutputConvention.LabAb);

    public static readonly IReadOnlyList<string> InputNames = ["gray-rgb01", "gray-rgb255", "L100"];
    public static readonly IReadOnlyList<string> OutputNames = ["lab-ab", "rgb01", "rgb255"];

    public string InputName => Name(Input);
    public string OutputName => Name(Output);

    /// <summary>"gray-rgb255 -> rgb255": for messages and cache keys.</summary>
    public override string ToString() => $"{InputName} -> {OutputName}";

    public int InputChannels => Input == InputConvention.L100 ? 1 : 3;
    public int OutputChannels => Output == OutputConvention.LabAb ? 2 : 3;

    public static string Name(InputConvention c) => c switch
    {
        InputConvention.GrayRgb01 => "gray-rgb01",
        InputConvention.GrayRgb255 => "gray-rgb255",
        _ => "L100",
    };

    public static string Name(OutputConvention c) => c switch
    {
        OutputConvention.LabAb => "lab-ab",
        OutputConvention.Rgb01 => "rgb01",
        _ => "rgb255",
    };

    /// <summary>Parses an <c>"input"</c> value; an unknown name is a model problem that lists the known ones.</summary>
    public static InputConvention ParseInput(string value, string where) => value.Trim() switch
    {
        "gray-rgb01" => InputConvention.GrayRgb01,
        "gray-rgb255" => InputConvention.GrayRgb255,
        "L100" => InputConvention.L100,
        _ => throw new ModelContractException(
            $"{where}: \"input\": \"{value}\" is not a known input convention; use one of {string.Join(", ", InputNames)}."),
    };

    public static OutputConvention ParseOutput(string value, string where) => value.Trim() switch
    {
        "lab-ab" => OutputConvention.LabAb,
        "rgb01" => OutputConvention.Rgb01,
        "rgb255" => OutputConvention.Rgb255,
        _ => throw new ModelContractException(
            $"{where}: \"output\": \"{value}\" is not a known output convention; use one of {string.Join(", ", OutputNames)}."),
    };

    /// <summary>True when a name is one of the fixed input names (for argument checks outside Engines).</summary>
    public static bool IsInputName(string value) => InputNames.Contains(value);
    public static bool IsOutputName(string value) => OutputNames.Contains(value);
}
