using System.Diagnostics;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Installer.Tests;

/// <summary>
/// Confirms, with the real program in a child process (HttpClient.DefaultProxy is read once per process), that downloads
/// go through the proxy named by HTTP_PROXY. The "proxy" is a loopback server; the model's host name never resolves.
/// </summary>
public class ProxyTests
{
    [Fact]
    public async Task Downloads_use_the_proxy_from_the_environment()
    {
        using var temp = new TempDir();
        var model = File.ReadAllBytes(FixtureModels.Plumbing(temp.File("plumbing.onnx")));
        await using var proxy = new LoopbackServer((r, s, n, ct) => LoopbackServer.ServeRanged(r, s, model));
        string program = Path.Combine(AppContext.BaseDirectory, "pdncolorize-setup.dll");
        Assert.True(File.Exists(program), program);

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { program, "models", "download", "--url", "http://pdnc-proxy-check.invalid/colorizer.onnx", "--id", "via-proxy",
                     "--sha256", Bytes.Sha(model), "--data-dir", temp.File("data") })
            start.ArgumentList.Add(a);
        foreach (var name in new[] { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" })
            start.Environment.Remove(name);
        start.Environment["HTTP_PROXY"] = $"http://127.0.0.1:{proxy.Port}";
        start.Environment["PDNCOLORIZE_MODELS"] = temp.File("models");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        var request = Assert.Single(proxy.Requests);
        Assert.Equal("http://pdnc-proxy-check.invalid/colorizer.onnx", request.Target); // absolute form: a proxy request
        Assert.True(File.Exists(Path.Combine(temp.File("models"), "via-proxy.onnx")));
    }
}
