using System.Runtime.InteropServices;

namespace PdnColorize.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as a cancellation: the first one cancels <see cref="Token"/> (which reaches ONNX Runtime's
/// RunOptions.Terminate and every loop of the pipeline), so the verb stops at the next check, deletes what it had half
/// written, prints what was done and exits 130. A second one ends the process at once (the default action), after
/// showing the terminal cursor that a progress bar hides.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public Interruption()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { } // SIGTERM on some Windows hosts: Ctrl+C still works
        }
    }

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested)
        {
            ConsoleUi.ShowCursor();
            return; // context.Cancel stays false: the default action ends the process
        }
        context.Cancel = true;
        Console.Error.WriteLine($"pdncolorize: {(context.Signal == PosixSignal.SIGTERM ? "terminated" : "interrupted")}; stopping after the current step (again to quit at once).");
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
