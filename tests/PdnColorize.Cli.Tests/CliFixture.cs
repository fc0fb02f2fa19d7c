using PdnColorize.Core.Pixels;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;
using SkiaSharp;

namespace PdnColorize.Cli.Tests;

/// <summary>Fixture models and an empty user-model folder, made once for all CLI tests.</summary>
public sealed class CliFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public CliFixture()
    {
        Directory.CreateDirectory(UserModels);
        Plumbing = FixtureModels.Plumbing(_dir.File("plumbing.onnx"));
        WrongOutput = FixtureModels.WrongOutputChannels(_dir.File("wrong-output.onnx"));
        NaN = FixtureModels.NaNOutput(_dir.File("nan.onnx"));
    }

    public string UserModels => _dir.File("user-models");
    public string Plumbing { get; }
    public string WrongOutput { get; }
    public string NaN { get; }

    public void Dispose() => _dir.Dispose();

    public static byte[] Encode(BgraImage image, SKEncodedImageFormat format)
    {
        using var ms = new MemoryStream();
        ImageCodec.Encode(image, ms, format);
        return ms.ToArray();
    }
}
