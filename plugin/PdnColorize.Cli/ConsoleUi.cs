using System.Globalization;
using Spectre.Console;

namespace PdnColorize.Cli;

/// <summary>Small Spectre.Console helpers shared by the verbs.</summary>
public static class ConsoleUi
{
    /// <summary>True when stdout is a terminal that can redraw a progress bar (not a pipe, a file or CI).</summary>
    public static bool Interactive =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Shows the terminal cursor again (a progress bar hides it; an interrupted one may not have shown it).</summary>
    public static void ShowCursor()
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi) Console.Out.Write("\e[?25h");
    }

    /// <summary>Text as a Spectre cell: escaped, so file names with [brackets] are not read as markup.</summary>
    public static string Cell(string? text) => Markup.Escape(text ?? "");

    public static string Number(double value, string format = "F3") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : value > 0 ? "inf" : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs <paramref name="work"/> over <paramref name="count"/> items with a progress bar on a terminal, or lets it
    /// print plain lines elsewhere. <paramref name="work"/> receives a callback to call after each item.
    /// </summary>
    public static void WithProgress(string title, int count, Action<Action<string>> work)
    {
        if (!Interactive)
        {
            work(_ => { });
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Cell(title), maxValue: count);
                work(description =>
                {
                    task.Description = Cell(description);
                    task.Increment(1);
                });
            });
    }
}
