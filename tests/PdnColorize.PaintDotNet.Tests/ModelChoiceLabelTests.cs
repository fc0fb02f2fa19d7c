using PdnColorize.Engines;
using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>The dialog's model list tells installed models apart by family and file size.</summary>
public class ModelChoiceLabelTests
{
    [Fact]
    public void A_user_model_shows_its_family_and_file_size_and_the_embedded_one_says_built_in()
    {
        using var dir = new TempDir();
        string onnx = dir.File("ddcolor-tiny-onnx.onnx");
        File.WriteAllBytes(onnx, new byte[2_500_000]);
        var user = new ModelEntry(new ModelManifest { Id = "ddcolor-tiny-onnx", Name = "DDColor tiny", Family = "DDColor" }, onnx, false);
        Assert.Equal("DDColor tiny (DDColor, 2 MB)", StoreModelProvider.Label(user));

        var noFamily = user with { Manifest = user.Manifest with { Family = null } };
        Assert.Equal("DDColor tiny (2 MB)", StoreModelProvider.Label(noFamily));

        var embedded = new ModelEntry(new ModelManifest { Id = "pdnc-resnet18-v2", Name = "Compact" }, onnx, true);
        Assert.Equal("Compact (built in)", StoreModelProvider.Label(embedded));
    }
}
