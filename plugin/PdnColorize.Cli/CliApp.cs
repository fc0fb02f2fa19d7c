using System.CommandLine;
using PdnColorize.Cli.Commands;
using Spectre.Console;

namespace PdnColorize.Cli;

/// <summary>Builds the verb tree and runs it. Parse errors are bad arguments: exit 2, message on stderr.</summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("PdnColorize: colourise black-and-white photos with an ONNX model.");
        root.Subcommands.Add(ColorizeCommand.Create());
        root.Subcommands.Add(BatchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(QualityCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        // Logs and pipes get whole table rows rather than the 80 columns Spectre assumes without a terminal.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"pdncolorize: {error.Message}");
            Console.Error.WriteLine("Run 'pdncolorize --help' (or 'pdncolorize <verb> --help') for usage.");
            return ExitCodes.BadInput;
        }
        // Our own signal handling (Interruption) instead of System.CommandLine's, which ends the process 2 s after a
        // Ctrl+C without the verb's summary and leaves the cursor hidden.
        using var interruption = new Interruption();
        try
        {
            return parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                interruption.Token).GetAwaiter().GetResult();
        }
        finally
        {
            ConsoleUi.ShowCursor();
        }
    }
}
