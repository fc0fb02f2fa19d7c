using PdnColorize.Installer.Doctor;
using PdnColorize.Installer.Install;

namespace PdnColorize.Installer.Tests;

public class DoctorTests
{
    private static readonly string[] AllGpuLibraries =
        DoctorRunner.Cuda.Names.Concat(DoctorRunner.CuDnn.Names).Concat(DoctorRunner.TensorRt.Names).Concat(DoctorRunner.VcRuntime.Names).ToArray();

    private static SetupContext With(World w, INativeProbe native, GpuInfo gpu) => new()
    {
        Registry = w.Context.Registry, DocumentsDirectory = w.Context.DocumentsDirectory, DataDirectory = w.Data,
        ModelsDirectory = w.Context.ModelsDirectory, Http = w.Context.Http, Console = w.Context.Console, Error = w.Errors,
        Native = native, Gpu = new FakeGpuInfo(gpu),
    };

    private static readonly GpuInfo GoodGpu = new(true, "581.42", 13000, [new GpuDevice("NVIDIA GeForce RTX 4070", 12L << 30, 10L << 30)], "fake");

    [Fact]
    public async Task Everything_present_means_cuda_and_tensorrt_work()
    {
        using var w = new World(Layout.Classic);
        var ctx = With(w, new FakeNativeProbe(AllGpuLibraries), GoodGpu);
        var installer = new PluginInstaller(ctx);
        await installer.InstallAsync(new InstallRequest(w.Locate(), w.Payload, null, false, null), CancellationToken.None);
        var manifest = InstallManifest.TryRead(w.Plugin)!;
        File.WriteAllText(Path.Combine(w.Plugin, PdnColorize.Installer.Discovery.PluginLayout.ManifestName),
            System.Text.Json.JsonSerializer.Serialize(manifest with { Gpu = "cuda", GpuRuntime = "ort-cuda" }, InstallManifest.Json));

        var report = DoctorRunner.Run(ctx, w.Locate(), null, installer.Status(w.Locate()));

        Assert.All(report.Verdicts, v => Assert.True(v.Works, $"{v.Path}: {string.Join(" | ", v.Todo)}"));
        Assert.Contains(report.Checks, c => c.Item == "NVIDIA GeForce RTX 4070" && c.Detail.StartsWith("10.00 GiB free of 12.00 GiB"));
    }

    [Fact]
    public async Task No_driver_and_no_cudnn_say_what_to_do_and_cpu_still_works()
    {
        using var w = new World(Layout.Classic);
        var ctx = With(w, new FakeNativeProbe(DoctorRunner.Cuda.Names.Concat(DoctorRunner.VcRuntime.Names).ToArray()),
            new GpuInfo(false, null, null, [], "NVML not found: no NVIDIA driver"));
        var installer = new PluginInstaller(ctx);
        await installer.InstallAsync(new InstallRequest(w.Locate(), w.Payload, null, false, null), CancellationToken.None);

        var report = DoctorRunner.Run(ctx, w.Locate(), null, installer.Status(w.Locate()));

        var cpu = report.Verdicts.Single(v => v.Path == "CPU");
        Assert.True(cpu.Works);
        var cuda = report.Verdicts.Single(v => v.Path == "CUDA");
        Assert.False(cuda.Works);
        Assert.Contains(cuda.Todo, t => t.Contains("No NVIDIA driver"));
        Assert.Contains(cuda.Todo, t => t.Contains("cuDNN 9"));
        Assert.Contains(cuda.Todo, t => t.Contains("--gpu cuda"));
        Assert.DoesNotContain(cuda.Todo, t => t.Contains("CUDA 13 runtime (CUDA Toolkit"));
    }

    [Fact]
    public void An_old_driver_and_low_vram_are_reported()
    {
        using var w = new World(Layout.Classic);
        var ctx = With(w, new FakeNativeProbe(AllGpuLibraries),
            new GpuInfo(true, "552.22", 12040, [new GpuDevice("Quadro", 4L << 30, 1L << 30)], "fake"));

        var report = DoctorRunner.Run(ctx, null, "Paint.NET was not found", null);

        var cuda = report.Verdicts.Single(v => v.Path == "CUDA");
        Assert.Contains(cuda.Todo, t => t.Contains("Update the NVIDIA driver") && t.Contains("12.4"));
        Assert.Contains(report.Checks, c => c.Item == "Quadro" && c.Level == Level.Warn && c.Detail.Contains("little free"));
        Assert.False(report.Verdicts.Single(v => v.Path == "CPU").Works); // no Paint.NET: the plugin cannot run at all
    }

    [Fact]
    public void Real_probes_run_on_this_machine_without_throwing()
    {
        var gpu = new NvmlGpuInfo().Query(); // no NVIDIA driver on the test machines: a clean "not found"
        Assert.NotNull(gpu.Detail);
        Assert.False(new NativeProbe().TryFind("libdefinitely-not-there.so.99", null, out _));
    }

    [Fact]
    public async Task Doctor_verb_prints_a_table_and_the_verdicts()
    {
        using var w = new World(Layout.Classic);
        Assert.Equal(ExitCodes.Ok, await w.Cli(w.Args("doctor")));
        string output = w.Output.ToString();
        Assert.Contains("CPU: not available", output); // the plugin is not installed yet
        Assert.Contains("pdncolorize-setup install", output);
        Assert.Contains("CUDA: not available", output);
    }
}
