using System.IO.Compression;
using System.Text.Json;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Install;

namespace PdnColorize.Installer.Tests;

public class GpuRuntimeTests
{
    /// <summary>A stand-in for the ORT GPU NuGet package (a zip) and a user catalog whose runtime entry points at it.</summary>
    private static (byte[] Zip, string Catalog) FakeRuntime(World w, Uri url)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in new[]
                     {
                         ("runtimes/win-x64/native/onnxruntime.dll", "ort native GPU build"),
                         ("runtimes/win-x64/native/onnxruntime_providers_shared.dll", "shared"),
                         ("runtimes/win-x64/native/onnxruntime_providers_cuda.dll", "cuda provider"),
                         ("lib/readme.txt", "not wanted"),
                     })
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(Bytes.Ascii(text));
            }
        }
        var bytes = ms.ToArray();
        var doc = new
        {
            runtimes = new[]
            {
                new
                {
                    id = "ort-cuda-test", name = "test GPU runtime", kind = "cuda", platform = "any", url = url.ToString(),
                    sha256 = Bytes.Sha(bytes), size_bytes = bytes.Length, format = "zip",
                    files = new[]
                    {
                        new { from = "runtimes/win-x64/native/onnxruntime.dll", to = "onnxruntime.dll" },
                        new { from = "runtimes/win-x64/native/onnxruntime_providers_shared.dll", to = "onnxruntime_providers_shared.dll" },
                        new { from = "runtimes/win-x64/native/onnxruntime_providers_cuda.dll", to = "onnxruntime_providers_cuda.dll" },
                    },
                    requires = "CUDA 13",
                },
            },
        };
        string catalog = Path.Combine(w.Root, "gpu-catalog.json");
        File.WriteAllText(catalog, JsonSerializer.Serialize(doc));
        return (bytes, catalog);
    }

    [Fact]
    public async Task Gpu_cuda_puts_the_provider_dlls_into_the_plugin_and_uninstall_removes_them()
    {
        using var w = new World(Layout.Classic);
        byte[] zip = [];
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, zip));
        (zip, string catalog) = FakeRuntime(w, server.Url("/ort-gpu.nupkg"));
        var before = Tree.Snapshot(w.PdnRoot);

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload, "--gpu", "cuda", "--catalog", catalog)));

        // the GPU onnxruntime.dll replaces the CPU one where the payload keeps it; the providers sit at the plugin root
        Assert.Equal("ort native GPU build", File.ReadAllText(Path.Combine(w.Plugin, "runtimes", "win-x64", "native", "onnxruntime.dll")));
        Assert.Equal("cuda provider", File.ReadAllText(Path.Combine(w.Plugin, "onnxruntime_providers_cuda.dll")));
        Assert.False(File.Exists(Path.Combine(w.Plugin, "readme.txt")));
        var manifest = InstallManifest.TryRead(w.Plugin)!;
        Assert.Equal("cuda", manifest.Gpu);
        Assert.Equal(3, manifest.Files.Count(f => f.Origin == InstalledFile.FromGpuRuntime));
        Assert.True(File.Exists(Path.Combine(w.Data, "downloads", "ort-cuda-test.zip"))); // cached for repair/upgrade

        // an upgrade keeps the GPU choice and reuses the verified download
        int requests = server.Requests.Count;
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload, "--catalog", catalog)));
        Assert.Equal("cuda", InstallManifest.TryRead(w.Plugin)!.Gpu);
        Assert.Equal(requests, server.Requests.Count);

        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("uninstall")));
        Tree.AssertSame(before, Tree.Snapshot(w.PdnRoot));
    }

    [Fact]
    public async Task A_runtime_that_cannot_be_downloaded_leaves_the_current_install_untouched()
    {
        using var w = new World(Layout.Classic);
        await using var server = new LoopbackServer((r, s, n, ct) => LoopbackServer.NotFound(s));
        var (_, catalog) = FakeRuntime(w, server.Url("/missing.nupkg"));
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("install", "--payload", w.Payload)));
        var installed = Tree.Snapshot(w.PdnRoot);

        int code = await w.Cli(w.Args("install", "--payload", w.Payload, "--gpu", "cuda", "--catalog", catalog));

        Assert.Equal(ExitCodes.Other, code);
        Assert.Contains("404", w.Errors.ToString());
        Assert.Contains("Rolled back: the installed version was not touched", w.Output.ToString());
        Tree.AssertSame(installed, Tree.Snapshot(w.PdnRoot));
    }

    [Fact]
    public void The_built_in_catalog_describes_the_official_models_and_the_win_x64_cuda_runtime()
    {
        var catalog = ModelCatalog.Load(null, null);
        Assert.Equal(["pdnc-resnet18-v2", "ddcolor-tiny", "ddcolor-large", "ddcolor-artistic", "ddcolor-modelscope"],
            catalog.Models.Where(m => !m.IsOnnx).Select(m => m.Id).ToArray());
        Assert.True(catalog.FindModel("pdnc-resnet18-v2")!.IsEmbedded);
        foreach (var m in catalog.Models.Where(m => m.IsCheckpoint))
        {
            Assert.True(m.IsCheckpoint);
            Assert.StartsWith("https://huggingface.co/piddnad/DDColor-models/resolve/main/", m.Url);
            Assert.Contains("export_ddcolor.py", m.Convert);
            Assert.Contains("{weights}", m.Convert);
            Assert.Equal("Apache-2.0", m.License);
        }
        var rt = catalog.FindRuntime("cuda", "win-x64")!;
        Assert.Equal(64, rt.Sha256!.Length);
        Assert.Contains(rt.Files, f => f.To == "onnxruntime_providers_cuda.dll");
        Assert.Null(catalog.FindRuntime("cuda", "linux-x64"));
    }

    [Fact]
    public void A_user_catalog_adds_custom_onnx_urls_and_overrides_entries_by_id()
    {
        using var w = new World();
        string user = Path.Combine(w.Root, "user.json");
        File.WriteAllText(user, """
            { "models": [
                { "id": "my-colorizer", "name": "Mine", "format": "onnx", "url": "https://example.invalid/m.onnx", "sha256": null },
                { "id": "ddcolor-tiny", "name": "tiny from my mirror", "format": "pth", "url": "https://mirror.invalid/t.pth" } ] }
            """);
        var catalog = ModelCatalog.Load(user, null);
        Assert.True(catalog.FindModel("my-colorizer")!.IsOnnx);
        Assert.Equal("https://mirror.invalid/t.pth", catalog.FindModel("ddcolor-tiny")!.Url);
        Assert.Equal(ModelCatalog.Load(null, null).Models.Count + 1, catalog.Models.Count);
    }
}
