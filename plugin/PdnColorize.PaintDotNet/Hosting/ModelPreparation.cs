using System.Collections.Concurrent;
using PdnColorize.Core.Model;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>Which opened model a render can reuse: the model and where and how the plan runs it.</summary>
public readonly record struct PreparedKey(string ModelId, string Device, PrecisionChoice Precision)
{
    public static PreparedKey For(string modelId, ExecutionPlan plan) => new(modelId, plan.Device, plan.Precision);
}

/// <summary>
/// The keys opened at least once in this process. A model opened before is quick to open again (its sessions, its
/// converted and rewritten files are cached), so only a key missing here is worth a "first use" note.
/// </summary>
public sealed class PreparedModels
{
    private readonly ConcurrentDictionary<PreparedKey, bool> _keys = new();

    public bool Contains(PreparedKey key) => _keys.ContainsKey(key);

    public void Add(PreparedKey key) => _keys.TryAdd(key, true);
}

/// <summary>
/// Opens one model in the background as soon as the effect knows which one it will run (engine creation: provider
/// ladder, descriptor adapter rewrite, FP16 conversion), so that the first render does not start cold. Renders borrow
/// the model through <see cref="Lease"/>; <see cref="Retire"/> (another model chosen, the effect disposed) cancels
/// the opening when nobody waits for it, and the model it made is disposed once the last borrower is done.
/// </summary>
public sealed class ModelPreparation
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task<IChromaModel> _task;
    private int _users, _disposed;
    private bool _retired;

    public ModelPreparation(IModelProvider provider, string modelId, ExecutionPlan plan, Action<PreparedKey>? opened = null)
    {
        Key = PreparedKey.For(modelId, plan);
        var token = _cancel.Token;
        _task = Task.Run(() =>
        {
            token.ThrowIfCancellationRequested();
            var model = provider.Open(modelId, plan, token);
            opened?.Invoke(Key);
            return model;
        }, token);
    }

    public PreparedKey Key { get; }

    /// <summary>Done, whether it opened the model or failed.</summary>
    public bool IsFinished => _task.IsCompleted;

    /// <summary>Failed or cancelled: a new preparation should take its place (a failed open is not remembered).</summary>
    public bool Failed => _task.IsFaulted || _task.IsCanceled;

    /// <summary>Borrows the model, waiting for the opening; null when this preparation was retired meanwhile.</summary>
    public Lease? TryLease()
    {
        lock (_gate)
        {
            if (_retired) return null;
            _users++;
        }
        return new Lease(this);
    }

    /// <summary>
    /// No render will start on this model again. Cancels the opening unless a render waits for it (then that render
    /// gets its answer; <paramref name="evenInUse"/> cancels anyway, for the effect's disposal), and disposes the model
    /// once it is made and the last borrower has returned it.
    /// </summary>
    public void Retire(bool evenInUse = false)
    {
        bool idle;
        lock (_gate)
        {
            _retired = true;
            idle = _users == 0;
        }
        if (idle || evenInUse) _cancel.Cancel();
        if (idle) DisposeWhenMade();
    }

    private void Return()
    {
        bool last;
        lock (_gate) last = --_users == 0 && _retired;
        if (last) DisposeWhenMade();
    }

    private void DisposeWhenMade() =>
        _task.ContinueWith(t =>
        {
            // ONNX Runtime cannot stop an opening midway: a model that arrives after the cancel is disposed unused.
            if (t.IsCompletedSuccessfully && Interlocked.Exchange(ref _disposed, 1) == 0) (t.Result as IDisposable)?.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>One render's hold on the model; disposing it hands the model back (it stays open for the next render).</summary>
    public sealed class Lease(ModelPreparation owner) : IDisposable
    {
        private int _returned;

        /// <summary>The opened model; waits for the opening (the caller's cancellation stops the wait, not the opening).</summary>
        public IChromaModel Wait(CancellationToken cancellation) =>
            owner._task.WaitAsync(cancellation).GetAwaiter().GetResult();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0) owner.Return();
        }
    }
}
