using System.Diagnostics;

namespace PdnColorize.Engines.Diagnostics;

/// <summary>
/// Passes log lines through and remembers when the last one was written, so that a step that keeps the user
/// waiting can say what it is doing once the log has been silent for <see cref="Limit"/> (one second by default):
/// a quick step prints nothing, a slow one prints one line, and a step whose own line was just printed (the FP16
/// conversion says so itself) is not announced twice.
/// </summary>
public sealed class SilenceWatch(Action<string> log, TimeSpan? limit = null)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private readonly object _gate = new();
    private long _lastLine = Stopwatch.GetTimestamp();

    public TimeSpan Limit { get; } = limit ?? TimeSpan.FromSeconds(1);

    public void Log(string line)
    {
        lock (_gate)
        {
            _lastLine = Stopwatch.GetTimestamp();
            log(line);
        }
    }

    /// <summary>Until disposed: prints <paramref name="doing"/> once, if the log stays silent for the limit meanwhile.</summary>
    public IDisposable During(string doing) => new Step(this, doing);

    private bool AnnounceIfSilent(long since, string doing)
    {
        lock (_gate)
        {
            long quietFrom = Math.Max(since, _lastLine);
            if (Stopwatch.GetElapsedTime(quietFrom) < Limit) return false;
            _lastLine = Stopwatch.GetTimestamp();
            log(doing);
            return true;
        }
    }

    private sealed class Step : IDisposable
    {
        private readonly SilenceWatch _watch;
        private readonly string _doing;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Timer _timer;
        private int _done;

        public Step(SilenceWatch watch, string doing)
        {
            _watch = watch;
            _doing = doing;
            var period = watch.Limit < Tick ? watch.Limit : Tick;
            _timer = new Timer(_ => Check(), null, period, period);
        }

        private void Check()
        {
            if (Volatile.Read(ref _done) != 0) return;
            lock (_timer)
                if (_done == 0 && _watch.AnnounceIfSilent(_started, _doing)) Stop();
        }

        private void Stop()
        {
            _done = 1;
            _timer.Dispose();
        }

        public void Dispose()
        {
            lock (_timer)
                if (_done == 0) Stop();
        }
    }
}
