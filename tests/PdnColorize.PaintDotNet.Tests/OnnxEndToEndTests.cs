using PdnColorize.Engines;
using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>
/// The real path once, with a tiny fixture ONNX model (not a colouriser): model store, native ONNX Runtime loaded by
/// full path from the plugin's runtimes folder, the CPU session, the dialog's device line.
/// </summary>
public sealed class OnnxEndToEndTests
{
    [Fact]
    public void A_fixture_onnx_model_runs_through_the_effect()
    {
        using var dir = new TempDir();
        FixtureModels.Plumbing(dir.File("fixture-plumbing.onnx"));
        File.WriteAllText(dir.File("fixture-plumbing.json"),
            """{ "id": "fixture-plumbing", "name": "Fixture (plumbing only)", "input_size": 64, "dynamic_size": true }""");
        var models = new StoreModelProvider(new ModelStore(dir.Path, null));
        var effect = TestEffects.Create(models, new ChromaCache(), ProbeExecutionAdvisor.CreateDefault());

        var doc = TestImages.Gray(96, 64);
        var before = doc.Clone();
        using var host = new PdnHost(doc);
        var run = host.Run(effect);

        Assert.Empty(host.Dialogs.Shown);
        Assert.StartsWith("Runs on CPU at FP32", (string)run.Properties["RunsOn"].Value!);
        Assert.Equal("fixture-plumbing", run.Properties["Model"].Value);
        Assert.StartsWith("loaded ", NativeRuntime.Status);
        Assert.Contains(Path.Combine("runtimes"), NativeRuntime.Status);
        int coloured = 0;
        for (int y = 0; y < doc.Height; y++)
            for (int x = 0; x < doc.Width; x++)
                if (Pixels.Chroma(doc, x, y) > 8) coloured++;
        Assert.True(coloured > doc.Width * doc.Height / 2, $"{coloured} coloured pixels");
        Assert.NotEqual(Pixels.Bytes(before), Pixels.Bytes(doc));
    }
}
