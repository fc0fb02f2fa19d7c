using System.CommandLine;
using System.Globalization;
using PdnColorize.Engines;
using Spectre.Console;

namespace PdnColorize.Cli.Commands;

/// <summary>
/// <c>pdncolorize models list</c> (exit 0) and <c>pdncolorize models verify</c> (exit 0 when every model's SHA-256
/// matches its manifest, 3 when any does not).
/// </summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var models = new Command("models", "List the installed models or verify their files.");

        var list = new Command("list", "List the embedded and user models.");
        list.SetAction(_ => Guard(List));
        models.Subcommands.Add(list);

        var verify = new Command("verify", "Check every model file against the SHA-256 in its manifest. Exit 0: all match; 3: some do not.");
        verify.SetAction(_ => Guard(Verify));
        models.Subcommands.Add(verify);
        return models;
    }

    private static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) { return ErrorReport.Report(e); }
    }

    private static int List()
    {
        var store = ModelStore.Default();
        var entries = store.List();
        if (entries.Count == 0)
        {
            Console.WriteLine($"No models found (embedded folder: {store.EmbeddedDirectory}; user folder: {store.UserDirectory ?? "none"}).");
            return ExitCodes.Ok;
        }
        var table = new Table()
            .AddColumn("id").AddColumn("name").AddColumn(new TableColumn("size").RightAligned())
            .AddColumn(new TableColumn("file MiB").RightAligned()).AddColumn("io").AddColumn("kind").AddColumn("path");
        foreach (var e in entries)
        {
            var m = e.Manifest;
            string size = m.DynamicSize ? $"{m.InputSize} (dynamic)" : m.InputSize.ToString(CultureInfo.InvariantCulture);
            double mib = File.Exists(e.ModelPath) ? new FileInfo(e.ModelPath).Length / 1048576.0 : double.NaN;
            table.AddRow(ConsoleUi.Cell(m.Id), ConsoleUi.Cell(m.Name), ConsoleUi.Cell(size), ConsoleUi.Number(mib, "F1"),
                ConsoleUi.Cell(Descriptor(e)), e.Embedded ? "embedded" : "user", ConsoleUi.Cell(e.ModelPath));
        }
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>The model's I/O convention as the adapter reads it (manifest, else shapes), or why it has none.</summary>
    private static string Descriptor(ModelEntry e)
    {
        try { return Engines.Descriptors.ContractAdapter.Plan(e.ModelPath, e.Manifest).Descriptor.ToString(); }
        catch (ModelContractException) { return "unknown (see models verify)"; }
    }

    private static int Verify()
    {
        var results = ModelStore.Default().Verify().ToList();
        if (results.Count == 0)
        {
            Console.WriteLine("No models found to verify.");
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumn("id").AddColumn("result").AddColumn("detail");
        foreach (var (entry, ok, detail) in results)
            table.AddRow(ConsoleUi.Cell(entry.Manifest.Id), ok ? "[green]ok[/]" : "[red]FAILED[/]", ConsoleUi.Cell(detail));
        AnsiConsole.Write(table);
        int failed = results.Count(r => !r.Ok);
        Console.WriteLine($"{results.Count - failed} ok, {failed} failed.");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.ModelProblem;
    }
}
