using System.Runtime.ExceptionServices;
using PdnColorize.Core.Pipeline;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>
/// Model answers for the whole process, keyed by <see cref="PredictionKey"/>: a key is computed once, however many
/// render tiles, dialog sessions or repeat-effect commands ask for it. A run belongs to everyone waiting for it: a
/// waiter that is cancelled stops waiting, and the run itself is cancelled only when nobody has waited for it for
/// <c>abandonGrace</c> (so dragging the strength slider while the model runs does not restart it, and Cancel
/// stops it). Failed and cancelled runs are not kept.
/// </summary>
public sealed class ChromaCache(int capacity = 8, TimeSpan? abandonGrace = null)
{
    public static ChromaCache Shared { get; } = new();

    private readonly TimeSpan _grace = abandonGrace ?? TimeSpan.FromSeconds(1.5);
    private readonly object _gate = new();
    private readonly Dictionary<PredictionKey, Entry> _entries = new();
    private long _clock;
    private int _runs;

    private sealed class Entry(Task<ChromaField> task)
    {
        public readonly Task<ChromaField> Task = task;
        public readonly CancellationTokenSource Cancel = new();
        public int Waiters;
        public long LastUse;
    }

    /// <summary>Runs started since this cache was made (a diagnostic, and what tests count).</summary>
    public int RunsStarted => Volatile.Read(ref _runs);

    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>
    /// Returns the answer for <paramref name="key"/>, starting a run when there is none. <paramref name="prepare"/>
    /// runs on the caller's thread (it may read host memory that is only valid now) and returns the work that then
    /// runs in the background with the run's own cancellation.
    /// </summary>
    public ChromaField GetOrCompute(PredictionKey key, Func<Func<CancellationToken, ChromaField>> prepare, CancellationToken cancellation)
    {
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            Entry entry;
            TaskCompletionSource<ChromaField>? owned = null;
            lock (_gate)
            {
                if (!_entries.TryGetValue(key, out entry!) || entry.Cancel.IsCancellationRequested || entry.Task.IsFaulted || entry.Task.IsCanceled)
                {
                    owned = new TaskCompletionSource<ChromaField>(TaskCreationOptions.RunContinuationsAsynchronously);
                    entry = new Entry(owned.Task);
                    _entries[key] = entry;
                }
                entry.Waiters++;
                entry.LastUse = ++_clock;
            }
            try
            {
                if (owned is not null) Start(key, entry, owned, prepare);
                entry.Task.Wait(cancellation);
                Trim();
                return entry.Task.Result;
            }
            catch (AggregateException) when (entry.Task.IsCanceled && !cancellation.IsCancellationRequested)
            {
                // Everyone else gave the run up (or its preparation was cancelled by its own caller): start again.
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(e.InnerException!);
                throw;
            }
            finally
            {
                Leave(entry);
            }
        }
    }

    private void Start(PredictionKey key, Entry entry, TaskCompletionSource<ChromaField> result, Func<Func<CancellationToken, ChromaField>> prepare)
    {
        result.Task.ContinueWith(t => { if (!t.IsCompletedSuccessfully) Forget(key, entry); }, TaskScheduler.Default);
        Func<CancellationToken, ChromaField> work;
        try { work = prepare(); }
        catch (OperationCanceledException) { result.TrySetCanceled(); return; }
        catch (Exception e) { result.TrySetException(e); return; }

        Interlocked.Increment(ref _runs);
        var token = entry.Cancel.Token;
        Task.Factory.StartNew(() =>
        {
            try { result.TrySetResult(work(token)); }
            catch (OperationCanceledException) { result.TrySetCanceled(); }
            catch (Exception e) { result.TrySetException(e); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Leave(Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Waiters > 0 || entry.Task.IsCompleted) return;
        }
        if (_grace <= TimeSpan.Zero) Abandon(entry);
        else Task.Delay(_grace).ContinueWith(_ => Abandon(entry), TaskScheduler.Default);
    }

    private void Abandon(Entry entry)
    {
        lock (_gate)
        {
            if (entry.Waiters > 0 || entry.Task.IsCompleted) return;
            foreach (var (k, e) in _entries)
                if (e == entry) { _entries.Remove(k); break; }
        }
        entry.Cancel.Cancel();
    }

    private void Forget(PredictionKey key, Entry entry)
    {
        lock (_gate)
            if (_entries.TryGetValue(key, out var current) && current == entry) _entries.Remove(key);
    }

    /// <summary>Drops the least recently used finished answers beyond the capacity.</summary>
    private void Trim()
    {
        lock (_gate)
        {
            while (_entries.Count > capacity)
            {
                var oldest = _entries.Where(p => p.Value.Task.IsCompleted && p.Value.Waiters == 0).MinBy(p => p.Value.LastUse);
                if (oldest.Value is null) return;
                _entries.Remove(oldest.Key);
            }
        }
    }
}
