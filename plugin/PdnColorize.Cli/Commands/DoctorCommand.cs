using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Gpu;
using PdnColorize.Engines.Providers;
using Spectre.Console;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize doctor</c>: what this machine offers and why each execution provider can or cannot be used.
/// Always exit 0 (it reports problems, it does not fail on them).
/// </summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Report ONNX Runtime, execution providers, models and this machine.");
        command.SetAction(_ =>
        {
            try
            {
                Run();
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return ErrorReport.Report(e);
            }
        });
        return command;
    }

    private static void Run()
    {
        var system = new Table().Title("System").AddColumn("").AddColumn("");
        system.HideHeaders();
        system.AddRow("pdncolorize", ConsoleUi.Cell(Version(typeof(DoctorCommand).Assembly)));
        system.AddRow("OS", ConsoleUi.Cell($"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})"));
        system.AddRow(".NET", ConsoleUi.Cell(RuntimeInformation.FrameworkDescription));
        system.AddRow("CPU cores", Environment.ProcessorCount.ToString());
        system.AddRow("SkiaSharp", ConsoleUi.Cell(Attempt(() => $"{Version(typeof(SkiaSharp.SKCodec).Assembly)} (native {SkiaSharp.SkiaSharpVersion.Native})")));
        system.AddRow("ONNX Runtime", ConsoleUi.Cell(Attempt(() => EngineInfo.OrtVersion)));
        system.AddRow("providers compiled in", ConsoleUi.Cell(Attempt(() => string.Join(", ", EngineInfo.CompiledProviders))));
        AnsiConsole.Write(system);

        var providers = new Table().Title("Execution providers").AddColumn("provider").AddColumn("status").AddColumn("reason");
        try
        {
            foreach (var p in EngineInfo.ProbeProviders())
                providers.AddRow(ConsoleUi.Cell(p.Name), p.Usable ? "[green]usable[/]" : "[yellow]not usable[/]", ConsoleUi.Cell(p.Detail));
        }
        catch (Exception e)
        {
            providers.AddRow("all", "[red]unknown[/]", ConsoleUi.Cell($"ONNX Runtime could not be loaded: {ErrorReport.FirstLine(e.Message)}"));
        }
        AnsiConsole.Write(providers);

        var gpu = new Table().Title("NVIDIA GPU (NVML)").AddColumn("").AddColumn("");
        gpu.HideHeaders();
        if (Attempt(() => Nvml.Unavailable ?? "") is { Length: > 0 } why)
            gpu.AddRow("status", ConsoleUi.Cell(why + ": the GPU cannot be used; everything runs on the CPU"));
        else
            for (int i = 0; i < Nvml.DeviceCount(); i++)
                if (Nvml.TryQuery(i) is { } g)
                    gpu.AddRow($"GPU {i}", ConsoleUi.Cell($"{g.Name}, compute {g.ComputeCapability}, {g.FreeMiB} of {g.TotalMiB} MiB free, driver {g.DriverVersion}"));
        AnsiConsole.Write(gpu);
        Console.WriteLine($"Cache folder: {CacheStore.DefaultRoot()}");

        var store = ModelStore.Default();
        var folders = new Table().Title("Model folders").AddColumn("kind").AddColumn("folder").AddColumn("exists");
        folders.AddRow("embedded", ConsoleUi.Cell(store.EmbeddedDirectory), Directory.Exists(store.EmbeddedDirectory) ? "yes" : "no");
        folders.AddRow("user", ConsoleUi.Cell(store.UserDirectory ?? "(none)"),
            store.UserDirectory is not null && Directory.Exists(store.UserDirectory) ? "yes" : "no");
        AnsiConsole.Write(folders);

        var models = store.List();
        if (models.Count == 0)
        {
            Console.WriteLine("Models found: none.");
        }
        else
        {
            var table = new Table().Title("Models found").AddColumn("id").AddColumn("kind").AddColumn("path");
            foreach (var m in models) table.AddRow(ConsoleUi.Cell(m.Manifest.Id), m.Embedded ? "embedded" : "user", ConsoleUi.Cell(m.ModelPath));
            AnsiConsole.Write(table);
        }
        bool hasDefault = models.Any(m => m.Manifest.Id == ModelStore.DefaultModelId);
        Console.WriteLine(hasDefault
            ? $"Default model '{ModelStore.DefaultModelId}': found."
            : $"Default model '{ModelStore.DefaultModelId}': MISSING (colorize without --model will fail; pass --model id|path).");
        if (hasDefault)
            Console.WriteLine("With --device auto --precision auto the default model runs on: " + Attempt(() =>
                EngineFactory.Default().Open(new EngineRequest { ModelPath = store.Resolve(null).ModelPath }).Summary));
    }

    private static string Attempt(Func<string> read)
    {
        try { return read(); }
        catch (Exception e) { return $"unavailable: {ErrorReport.FirstLine(e.Message)}"; }
    }

    private static string Version(Assembly assembly)
    {
        string v = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                   ?? assembly.GetName().Version?.ToString() ?? "?";
        int plus = v.IndexOf('+');
        return plus < 0 ? v : v[..plus]; // drop the source revision
    }
}
