using PdnColorize.Tests.Shared;

namespace PdnColorize.Calibration.Tests;

/// <summary>Fixture models and a folder of the repository's test photos, made once for the calibration tests.</summary>
public sealed class CalibrationFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public CalibrationFixture()
    {
        Photos = _dir.File("photos");
        Directory.CreateDirectory(Photos);
        foreach (var png in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "photos"), "*.png"))
            File.Copy(png, Path.Combine(Photos, Path.GetFileName(png)));
        ConvRelu = FixtureModels.ConvReluNet(_dir.File("conv-relu.onnx"));
        NormSoftmax = FixtureModels.NormAndSoftmax(_dir.File("norm-softmax.onnx"));
        NoFloat = FixtureModels.NoFloatActivations(_dir.File("no-float.onnx"));
        Plumbing = FixtureModels.Plumbing(_dir.File("plumbing.onnx"));
    }

    /// <summary>Six 320x200 photos (tests/fixtures/photos).</summary>
    public string Photos { get; }
    public string ConvRelu { get; }
    public string NormSoftmax { get; }
    public string NoFloat { get; }
    public string Plumbing { get; }

    public string Root => _dir.Path;

    public void Dispose() => _dir.Dispose();

    /// <summary>A request with the tests' small defaults: 64 px, 4 photos calibrate, 2 are held out, one timed run.</summary>
    public CalibrationRequest Request(string model, string output, string? images = null) => new()
    {
        ModelPath = model,
        ImagesDirectory = images ?? Photos,
        OutputDirectory = output,
        InputSize = 64,
        Samples = 4,
        Validation = 2,
        TimingRuns = 1,
    };
}

[CollectionDefinition("calibration")]
public sealed class CalibrationCollection : ICollectionFixture<CalibrationFixture>;
