using System.Diagnostics;
using PdnColorize.Core.Color;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines.Diagnostics;
using PdnColorize.Imaging;

namespace PdnColorize.Cli;

/// <summary>Timings of one file, in milliseconds.</summary>
public sealed record JobTimings(double DecodeMs, double ModelMs, double ComposeMs, double SaveMs)
{
    public double TotalMs => DecodeMs + ModelMs + ComposeMs + SaveMs;
}

/// <summary>The outcome of one colourised file.</summary>
public sealed record JobResult(string Input, string Output, int Width, int Height, ChromaField Chroma, JobTimings Timings);

/// <summary>
/// The file-to-file work shared by colorize and batch: decode, check, build the selection, predict, compose, save.
/// The model is loaded once per job and reused for every file.
/// </summary>
public sealed class ColorizeJob
{
    /// <summary>Images smaller than this on either side are refused (there is nothing sensible to colourise).</summary>
    public const int MinSide = 8;

    private readonly PipelineRequest _request;
    private IChromaModel? _model;

    public ColorizeJob(PipelineRequest request) => _request = request;

    /// <summary>Loads (or returns) the model; throws ModelContractException when it is missing or malformed.</summary>
    public IChromaModel Model => _model ??= Load();

    private IChromaModel Load()
    {
        // The engines say what their slow steps do; the SHA-256 check of a large model on first use says nothing itself.
        var watch = new SilenceWatch(Console.Error.WriteLine);
        using (watch.During("preparing the model (its checksum is verified on first use)"))
            return OnnxChromaModel.Load(_request.Model, _request.Size, choice: _request.Engine, log: watch.Log);
    }

    public ColorizeSettings Settings => _request.Settings;

    /// <summary>
    /// True (batch without --force): a photo already in colour is refused with <see cref="AlreadyInColourException"/>;
    /// false (colorize, batch --force): it is colourised with a warning on stderr.
    /// </summary>
    public bool RefuseColourPhotos { get; init; }

    public static void RequireColourisableSize(BgraImage image, string path)
    {
        if (image.Width < MinSide || image.Height < MinSide)
            throw new UsageException($"'{path}' is {image.Width}x{image.Height}: images smaller than {MinSide}x{MinSide} pixels cannot be colourised.");
    }

    /// <summary>Refuses an output that would overwrite the input.</summary>
    public static void RequireDistinct(string input, string output)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), comparison))
            throw new UsageException($"the output '{output}' is the input file; choose another output path with -o.");
    }

    /// <summary>The selection of --region and --mask for this image (both: the mask inside the region); null = everything.</summary>
    public SelectionMask? SelectionFor(BgraImage image)
    {
        SelectionMask? selection = null;
        if (_request.Region is { } region)
        {
            if (!image.Bounds.Contains(region))
                throw new UsageException($"--region {region} lies outside the {image.Width}x{image.Height} image.");
            selection = SelectionMask.Rectangle(region);
        }
        if (_request.MaskPath is { } maskPath)
        {
            var mask = ImageCodec.LoadMask(maskPath, image.Width, image.Height)
                       ?? throw new UsageException($"the mask '{maskPath}' selects no pixels (it is black or fully transparent).");
            if (selection is not null)
            {
                var both = mask.Bounds.Intersect(selection.Bounds);
                if (both.IsEmpty) throw new UsageException($"the mask '{maskPath}' selects no pixels inside --region {selection.Bounds}.");
                var coverage = new byte[both.Area];
                for (int y = 0; y < both.Height; y++)
                    for (int x = 0; x < both.Width; x++)
                        coverage[y * both.Width + x] = mask.Coverage(both.X + x, both.Y + y);
                mask = new SelectionMask(both, coverage);
            }
            selection = mask;
        }
        return selection;
    }

    /// <summary>Colourises <paramref name="input"/> into <paramref name="output"/> (PNG or JPEG by extension).</summary>
    public JobResult Run(string input, string output, CancellationToken cancellation) =>
        Save(Colourise(input, output, cancellation), cancellation);

    /// <summary>
    /// Everything but the save: decode, check, predict and compose in place. The output path is checked first, so a
    /// file that could never be written is refused before the model runs.
    /// </summary>
    public ColourisedImage Colourise(string input, string output, CancellationToken cancellation)
    {
        RequireDistinct(input, output);
        ImageCodec.CheckWritable(output);

        var clock = Stopwatch.StartNew();
        var decoded = ImageCodec.LoadDecoded(input);
        foreach (string note in decoded.Notes) Console.Error.WriteLine($"pdncolorize: note: {note}");
        var image = decoded.Image;
        RequireColourisableSize(image, input);
        var colour = ExistingColour.Measure(image);
        if (ExistingColour.IsColour(colour))
        {
            string what = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"'{input}' is already in colour (mean chroma {colour.MeanChroma:F0}, spread {colour.ChromaSpread:F0}); colourising keeps only its lightness and replaces its colours with the model's");
            if (RefuseColourPhotos) throw new AlreadyInColourException($"{what}. Skipped; --force colourises it anyway.");
            Console.Error.WriteLine($"pdncolorize: warning: {what}.");
        }
        var selection = SelectionFor(image);
        double decodeMs = clock.Elapsed.TotalMilliseconds;

        var model = Model;
        var settings = Settings;
        if (_request.Size is not null && model.DynamicSize)
        {
            // The model's size is --size already kept within the manifest's limits; the photo and memory bound it further.
            int size = ModelSizeBound.ForPhoto(model.PreferredSize, image.Width, image.Height, ModelSizeBound.AvailableBytes, input, out var note);
            if (note is not null) Console.Error.WriteLine($"pdncolorize: note: {note}");
            settings = settings with { ModelSize = size };
        }
        var colorizer = new Colorizer(model);
        clock.Restart();
        var chroma = colorizer.Predict(image, selection, settings, cancellation);
        double modelMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        colorizer.Compose(image, image, chroma, selection, settings, null, cancellation);
        double composeMs = clock.Elapsed.TotalMilliseconds;
        return new ColourisedImage(input, output, image, chroma, decodeMs, modelMs, composeMs) { Deep = decoded.Deep };
    }

    /// <summary>Writes a colourised image (atomically: a temporary file renamed into place).</summary>
    public static JobResult Save(ColourisedImage done, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        ImageCodec.Save(done.Image, done.Output, cancellation: cancellation, deep: done.Deep);
        double saveMs = clock.Elapsed.TotalMilliseconds;
        return new JobResult(done.Input, done.Output, done.Image.Width, done.Image.Height, done.Chroma,
            new JobTimings(done.DecodeMs, done.ModelMs, done.ComposeMs, saveMs));
    }
}

/// <summary>A file colourised in memory and not yet written (<see cref="ColorizeJob.Colourise"/>).</summary>
public sealed record ColourisedImage(string Input, string Output, BgraImage Image, ChromaField Chroma,
    double DecodeMs, double ModelMs, double ComposeMs)
{
    /// <summary>The source's 16-bit luminance, when it had one: the PNG or TIFF result is then written at 16 bits.</summary>
    public DeepLuminance? Deep { get; init; }

    /// <summary>The image's pixel bytes (what holding it while the next file is worked on costs).</summary>
    public long Bytes => 4L * Image.Width * Image.Height + (Deep is null ? 0 : 2L * Image.Width * Image.Height);
}

/// <summary>A batch's photo that is already in colour, left alone (not a failure of the file).</summary>
public sealed class AlreadyInColourException(string message) : Exception(message);
