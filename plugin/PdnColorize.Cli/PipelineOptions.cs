using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Engines.Providers;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Cli;

/// <summary>What the colourising verbs were asked to do, validated.</summary>
public sealed record PipelineRequest(
    string? Model,
    int? Size,
    ColorizeSettings Settings,
    PixelRect? Region,
    string? MaskPath)
{
    /// <summary>Device, precision, VRAM budget and calibration for the engines.</summary>
    public EngineChoice Engine { get; init; } = new();
}

/// <summary>
/// The options shared by colorize, batch and eval, defined once and validated in <see cref="Read"/>.
/// </summary>
public sealed class PipelineOptions
{
    public static readonly string[] Precisions = ["auto", "fp32", "fp16", "int8"];
    public static readonly string[] Devices = ["auto", "cpu", "cuda", "tensorrt"];
    public static readonly string[] Details = ["auto", "global", "fine"];

    private readonly bool _selection;

    public PipelineOptions(bool selection)
    {
        _selection = selection;
        Region.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && ParseRegion(text, out var error) is null) r.AddError(error);
        });
    }

    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "Model id (see 'models list') or path to an .onnx file. Default: the embedded model.",
        HelpName = "id|path",
    };

    public Option<string> Precision { get; } = new Option<string>("--precision")
    {
        Description = "Numeric precision: auto, fp32, fp16, int8.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong(Precisions);

    public Option<string> Device { get; } = new Option<string>("--device")
    {
        Description = "Execution device: auto, cpu, cuda, tensorrt.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong(Devices);

    public Option<double> Strength { get; } = new Option<double>("--strength", "-s")
    {
        Description = "0 = unchanged, 1 = the model's colours, up to 2 = stronger colours.",
        DefaultValueFactory = _ => 1.0,
    }.InRange(0, 2);

    public Option<string> Detail { get; } = new Option<string>("--detail")
    {
        Description = "Detail mode: auto, global, fine.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong(Details);

    public Option<string?> Region { get; } = new("--region")
    {
        Description = "Colourise only this rectangle, x,y,w,h in pixels (it must lie inside the image).",
        HelpName = "x,y,w,h",
    };

    public Option<string?> Mask { get; } = new("--mask")
    {
        Description = "Colourise only where this mask is white (gray = partly). A mask with transparency uses its alpha. Same size as the image.",
        HelpName = "mask.png",
    };

    public Option<int?> VramBudget { get; } = new Option<int?>("--vram-budget")
    {
        Description = "Most GPU memory to use, in MiB.",
        HelpName = "MiB",
    }.InRange(1);

    public Option<string?> Calibration { get; } = new("--calibration")
    {
        Description = "INT8: folder written by 'pdncolorize calibrate'. Default: the calibration cached for this model.",
        HelpName = "dir",
    };

    public Option<int?> Size { get; } = new Option<int?>("--size")
    {
        Description = "Run the model at this size (multiple of 32) instead of its own; ignored by fixed-size models.",
        HelpName = "N",
    }.InRange(Engines.ModelManifest.MinInputSize, Engines.ModelManifest.MaxInputSize);

    public Option<double> Context { get; } = new Option<double>("--context")
    {
        Description = "Context margin around a region or mask, as a fraction of its larger side (0..1).",
        DefaultValueFactory = _ => 0.25,
    }.InRange(0, 1);

    public Option<int> Threads { get; } = new Option<int>("--threads")
    {
        Description = "Threads for full-resolution work; 0 = all cores.",
        DefaultValueFactory = _ => 0,
    }.InRange(0);

    public Option<string[]> CudaOption { get; } = new("--cuda-option")
    {
        Description = "Advanced: a CUDA provider option key=value (repeatable), e.g. enable_cuda_graph=1.",
        HelpName = "key=value",
    };

    /// <summary>"key=value" pairs of --cuda-option into a dictionary.</summary>
    public static Dictionary<string, string> ParseCudaOptions(IEnumerable<string> pairs) => pairs.ToDictionary(
        p => p.Split('=', 2)[0].Trim(),
        p => p.Contains('=') ? p.Split('=', 2)[1].Trim() : throw new UsageException($"--cuda-option takes key=value; got '{p}'."));

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Precision);
        command.Options.Add(Device);
        command.Options.Add(Strength);
        command.Options.Add(Detail);
        if (_selection)
        {
            command.Options.Add(Region);
            command.Options.Add(Mask);
        }
        command.Options.Add(VramBudget);
        command.Options.Add(Calibration);
        command.Options.Add(Size);
        command.Options.Add(Context);
        command.Options.Add(Threads);
        command.Options.Add(CudaOption);
    }

    /// <exception cref="UsageException">An option asks for something not available in this build.</exception>
    public PipelineRequest Read(ParseResult parse)
    {
        var engine = new EngineChoice
        {
            Precision = EngineChoices.ParsePrecision(parse.GetValue(Precision) ?? "auto"),
            Device = EngineChoices.ParseDevice(parse.GetValue(Device) ?? "auto"),
            VramBudgetMiB = parse.GetValue(VramBudget),
            CalibrationDirectory = parse.GetValue(Calibration),
            CudaOverrides = ParseCudaOptions(parse.GetValue(CudaOption) ?? []),
        };
        string detail = parse.GetValue(Detail) ?? "auto";

        var settings = new ColorizeSettings
        {
            Strength = parse.GetValue(Strength),
            ContextMargin = parse.GetValue(Context),
            Detail = detail switch { "global" => DetailMode.Global, "fine" => DetailMode.Fine, _ => DetailMode.Auto },
            Threads = parse.GetValue(Threads),
        };
        PixelRect? region = null;
        string? mask = null;
        if (_selection)
        {
            if (parse.GetValue(Region) is { } text) region = ParseRegion(text, out _);
            mask = parse.GetValue(Mask);
        }
        return new PipelineRequest(parse.GetValue(Model), parse.GetValue(Size), settings, region, mask) { Engine = engine };
    }

    /// <summary>"x,y,w,h" with x, y >= 0 and w, h > 0; null (and a message) otherwise.</summary>
    public static PixelRect? ParseRegion(string text, out string error)
    {
        error = "";
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[4];
        if (parts.Length != 4 || !parts.Select((p, i) => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
        {
            error = $"--region must be x,y,w,h in whole pixels; got '{text}'.";
            return null;
        }
        if (values[0] < 0 || values[1] < 0 || values[2] <= 0 || values[3] <= 0)
        {
            error = $"--region needs x, y >= 0 and w, h > 0; got '{text}'.";
            return null;
        }
        // x + w and y + h must be pixel positions too (no image is 2^31 pixels wide), else the bounds checks overflow.
        if ((long)values[0] + values[2] > int.MaxValue || (long)values[1] + values[3] > int.MaxValue)
        {
            error = $"--region {text} reaches past the largest possible image; x + w and y + h must lie inside the image.";
            return null;
        }
        return new PixelRect(values[0], values[1], values[2], values[3]);
    }
}
