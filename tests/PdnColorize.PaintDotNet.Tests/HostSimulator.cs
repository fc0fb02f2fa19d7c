using System.Reflection;
using System.Runtime.InteropServices;
using PaintDotNet;
using PaintDotNet.AppModel;
using PaintDotNet.ComponentModel;
using PaintDotNet.Effects;
using PaintDotNet.Imaging;
using PaintDotNet.IndirectUI;
using PaintDotNet.PropertySystem;
using PaintDotNet.Rendering;
using PdnColorize.Core.Pixels;
using PdnColorize.PaintDotNet;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>What one simulated render produced.</summary>
/// <param name="Error">The exception that escaped OnRender (Paint.NET then stops the render and shows its effect-error report).</param>
/// <param name="ErrorReport">That report's text: it names the plugin from its PluginSupportInfo.</param>
/// <param name="Calls">The effect calls the host made for this render, in order.</param>
internal sealed record HostRun(bool Cancelled, IReadOnlyList<RectInt32> Tiles, BitmapEffectRenderingFlags Flags,
    BitmapEffectRenderingSchedule Schedule, byte[] Output, PropertyCollection Properties, ControlInfo Ui,
    Exception? Error = null, string? ErrorReport = null, IReadOnlyList<string>? Calls = null);

/// <summary>Records what the effect would have shown the user, and on which thread.</summary>
internal sealed class RecordingDialogs : IExceptionDialogService
{
    public readonly List<(string? Message, Exception Error, bool OnUiThread)> Shown = new();

    public void ShowErrorDialog(System.Windows.Forms.IWin32Window owner, Exception exception, ExceptionDetailOptions options) =>
        Record(null, exception);

    public void ShowErrorDialog(System.Windows.Forms.IWin32Window owner, string message, Exception exception, ExceptionDetailOptions options) =>
        Record(message, exception);

    public void ShowErrorDialog(System.Windows.Forms.IWin32Window owner, string message, string detailsText) =>
        Record(message, new Exception(detailsText));

    private void Record(string? message, Exception exception)
    {
        lock (Shown) Shown.Add((message, exception, SynchronizationContext.Current is UiContext));
    }
}

/// <summary>The synchronization context of the simulated UI thread (WinForms installs one on its message-loop thread).</summary>
internal sealed class UiContext : SynchronizationContext;

/// <summary>Where Paint.NET asks an effect that disables selection clipping to render.</summary>
public enum RenderArea
{
    /// <summary>Every pixel of the layer: the effect must reproduce the unselected ones exactly.</summary>
    WholeLayer,
    /// <summary>Only the selection's bounds: outside them the layer stays as it is.</summary>
    SelectionBounds,
}

/// <summary>
/// Paint.NET's effect host as the effect sees it, driven through the facade's host hooks. A document layer, a
/// selection (8-bit coverage, feathered or not) and the dialog's properties; then, in Paint.NET's order:
/// OnInitializeRenderInfo, OnSetToken, OnRender over square tiles (the first alone when the effect asks for a
/// barrier, the rest in parallel, all on render threads without a message loop unless <see cref="RenderOnUiThread"/>);
/// a token-only re-render (<see cref="HostSession.Rerender"/>: Repeat, a slider drag) is OnSetToken and OnRender again.
/// Then the commit: the output replaces the layer over the rendered tiles (within one session every render reads the
/// layer as it was when the session opened, as Paint.NET's preview does) (blended by coverage when the host clips),
/// and nothing is committed when the render was cancelled or threw. Every call to GetSourceBitmap hands out a new
/// reference-counted wrapper, as Paint.NET does; <see cref="LiveSourceReferences"/> counts those not yet disposed.
/// </summary>
internal sealed unsafe class PdnHost : IDisposable, IServiceProvider
{
    private readonly byte[] _sourceSurface, _maskSurface, _outputSurface;
    private readonly GCHandle _sourcePin, _maskPin, _outputPin;
    private int _liveSources, _sourcesHandedOut;
    public const byte Sentinel = 0xCD;

    /// <param name="coverage">Selection coverage for every pixel (width*height), or null: nothing selected = all.</param>
    public PdnHost(BgraImage document, byte[]? coverage = null)
    {
        Document = document;
        Width = document.Width;
        Height = document.Height;
        _sourceSurface = new byte[Width * Height * 4];
        _outputSurface = new byte[Width * Height * 4];
        _maskSurface = coverage?.ToArray() ?? Enumerable.Repeat((byte)255, Width * Height).ToArray();
        _sourcePin = GCHandle.Alloc(_sourceSurface, GCHandleType.Pinned);
        _maskPin = GCHandle.Alloc(_maskSurface, GCHandleType.Pinned);
        _outputPin = GCHandle.Alloc(_outputSurface, GCHandleType.Pinned);
        SelectionBounds = BoundsOf(_maskSurface, Width, Height);
    }

    public BgraImage Document { get; }
    public int Width { get; }
    public int Height { get; }
    public RectInt32 SelectionBounds { get; }
    public RecordingDialogs Dialogs { get; } = new();
    public int TileSize { get; init; } = 40;
    public byte[] Coverage => _maskSurface;
    public RenderArea Area { get; init; } = RenderArea.WholeLayer;
    /// <summary>Renders every tile on one thread that has a message loop's SynchronizationContext.</summary>
    public bool RenderOnUiThread { get; init; }
    /// <summary>False: the host offers no IExceptionDialogService.</summary>
    public bool OffersDialogService { get; init; } = true;
    public int LiveSourceReferences => Volatile.Read(ref _liveSources);
    public int SourceReferencesHandedOut => Volatile.Read(ref _sourcesHandedOut);

    public object? GetService(Type serviceType) =>
        serviceType == typeof(IExceptionDialogService) && OffersDialogService ? Dialogs : null;

    /// <summary>One dialog session: fresh properties (edited as a user would), render info, token, render, commit.</summary>
    public HostRun Run(ColorizeEffect effect, Action<PropertyCollection>? edit = null, CancellationToken cancel = default) =>
        Open(effect).Render(edit, cancel);

    /// <summary>Starts a session: the layer as it is now is the source; the dialog's properties and UI are built.</summary>
    public HostSession Open(ColorizeEffect effect)
    {
        for (int y = 0; y < Height; y++) Document.Row(y).CopyTo(_sourceSurface.AsSpan(y * Width * 4, Width * 4));
        effect.HostServices = this;
        effect.HostEnvironment = new Environment(this);
        return new HostSession(this, effect);
    }

    internal sealed class HostSession(PdnHost host, ColorizeEffect effect)
    {
        // The dialog is built on the UI thread, which has a message loop's context.
        private readonly PropertyCollection _props = OnUi(() => effect.CreatePropertyCollection());
        private ControlInfo? _ui;
        private RenderInfo? _info;

        public PropertyCollection Properties => _props;

        /// <summary>The first render of the session: render info, then the token, then the tiles.</summary>
        public HostRun Render(Action<PropertyCollection>? edit = null, CancellationToken cancel = default)
        {
            var calls = new List<string>();
            _ui ??= OnUi(() => effect.CreateConfigUI(_props));
            edit?.Invoke(_props);
            effect.HostCancellation = cancel;
            if (_info is null)
            {
                _info = new RenderInfo { Schedule = BitmapEffectRenderingSchedule.SquareTiles };
                effect.HostInitializeRenderInfo(_info);
                calls.Add("InitializeRenderInfo");
            }
            effect.HostSetToken(new PropertyBasedEffectConfigToken(_props));
            calls.Add("SetToken");
            return host.RenderTiles(effect, _info, _props, _ui, cancel, calls);
        }

        /// <summary>A new token alone (Repeat / a slider drag): OnSetToken and OnRender, no new render info.</summary>
        public HostRun Rerender(Action<PropertyCollection> edit, CancellationToken cancel = default)
        {
            if (_info is null) throw new InvalidOperationException("render once first");
            return Render(edit, cancel);
        }

        private static T OnUi<T>(Func<T> f)
        {
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(new UiContext());
            try { return f(); }
            finally { SynchronizationContext.SetSynchronizationContext(previous); }
        }
    }

    private HostRun RenderTiles(ColorizeEffect effect, RenderInfo info, PropertyCollection props, ControlInfo ui,
        CancellationToken cancel, List<string> calls)
    {
        Array.Fill(_outputSurface, Sentinel);
        // A clipped effect is rendered over the selection's bounds. One that disables clipping may be asked for the
        // whole layer or for the selection's bounds, and must be right either way.
        bool hostClips = !info.Flags.HasFlag(BitmapEffectRenderingFlags.DisableSelectionClipping);
        var area = hostClips || Area == RenderArea.SelectionBounds ? SelectionBounds : new RectInt32(0, 0, Width, Height);
        var tiles = info.Schedule == BitmapEffectRenderingSchedule.None ? [area] : Tiles(area, TileSize);
        int renders = 0;
        void RenderOne(RectInt32 tile)
        {
            Interlocked.Increment(ref renders);
            effect.HostRender(new Output(this, tile));
        }

        Exception? error = null;
        try
        {
            if (RenderOnUiThread) OnUiThread(() => { foreach (var t in tiles) if (!cancel.IsCancellationRequested) RenderOne(t); });
            else Task.Run(() =>
            {
                int first = 0;
                if (info.Flags.HasFlag(BitmapEffectRenderingFlags.FirstTileIsRenderedWithBarrier) && tiles.Count > 0)
                {
                    RenderOne(tiles[0]);
                    first = 1;
                }
                Parallel.ForEach(tiles.Skip(first), new ParallelOptions { MaxDegreeOfParallelism = 2 },
                    (tile, state) => { if (cancel.IsCancellationRequested) state.Stop(); else RenderOne(tile); });
            }).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            error = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e;
        }
        calls.Add($"Render x{renders}");

        var output = _outputSurface.ToArray();
        if (error is not null)
            return new HostRun(false, tiles, info.Flags, info.Schedule, output, props, ui, error, ErrorReportFor(effect, error), calls);
        if (cancel.IsCancellationRequested) return new HostRun(true, tiles, info.Flags, info.Schedule, output, props, ui, Calls: calls);
        foreach (var t in tiles)
            for (int y = t.Y; y < t.Y + t.Height; y++)
                for (int x = t.X; x < t.X + t.Width; x++)
                {
                    int c = hostClips ? _maskSurface[y * Width + x] : 255;
                    var dst = Document.Row(y, x, 1);
                    for (int k = 0; k < 4; k++)
                        dst[k] = (byte)((_sourceSurface[(y * Width + x) * 4 + k] * (255 - c) + output[(y * Width + x) * 4 + k] * c + 127) / 255);
                }
        return new HostRun(false, tiles, info.Flags, info.Schedule, output, props, ui, Calls: calls);
    }

    /// <summary>Paint.NET's report of an exception thrown by an effect names the plugin from its PluginSupportInfo.</summary>
    private static string ErrorReportFor(ColorizeEffect effect, Exception error)
    {
        var info = (IPluginSupportInfo?)effect.GetType().GetCustomAttribute<PluginSupportInfoAttribute>()
                   ?? effect.GetType().Assembly.GetCustomAttribute<PluginSupportInfoAttribute>();
        string who = info is null ? effect.GetType().Assembly.GetName().Name! : $"{info.DisplayName} {info.Version} ({info.Author}{(info.WebsiteUri is null ? "" : ", " + info.WebsiteUri)})";
        return $"{who}: {error.Message}";
    }

    private static void OnUiThread(Action action)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(new UiContext());
            try { action(); }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
    }

    public static List<RectInt32> Tiles(RectInt32 area, int size)
    {
        var tiles = new List<RectInt32>();
        for (int y = area.Y; y < area.Y + area.Height; y += size)
            for (int x = area.X; x < area.X + area.Width; x += size)
                tiles.Add(new RectInt32(x, y, Math.Min(size, area.X + area.Width - x), Math.Min(size, area.Y + area.Height - y)));
        return tiles;
    }

    private static RectInt32 BoundsOf(byte[] coverage, int width, int height)
    {
        int l = width, t = height, r = -1, b = -1;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (coverage[y * width + x] != 0) { l = Math.Min(l, x); r = Math.Max(r, x); t = Math.Min(t, y); b = y; }
        return r < 0 ? new RectInt32(0, 0, 0, 0) : new RectInt32(l, t, r - l + 1, b - t + 1);
    }

    public void Dispose()
    {
        _sourcePin.Free(); _maskPin.Free(); _outputPin.Free();
    }

    private sealed class RenderInfo : IBitmapEffectRenderInfo
    {
        public BitmapEffectRenderingFlags Flags { get; set; }
        public BitmapEffectRenderingSchedule Schedule { get; set; }
    }

    /// <summary>The IObjectRef plumbing every Paint.NET object carries.</summary>
    private abstract class ObjectRef : IObjectRef
    {
        public bool IsDisposed { get; private set; }
        public bool TryCreateRef(Type interfaceType, out IObjectRef? objectRef) { objectRef = null; return false; }
        public void Dispose()
        {
            if (IsDisposed) return;
            IsDisposed = true;
            OnDisposed();
        }
        protected virtual void OnDisposed() { }
    }

    private sealed class Lock<T>(byte* origin, int stride, SizeInt32 size) : ObjectRef, IBitmapLock<T> where T : unmanaged, INaturalPixelInfo
    {
        public T* Buffer => (T*)origin;
        public int BufferStride => stride;
        public SizeInt32 Size => size;
    }

    private class Bitmap<T>(GCHandle pin, int width, int height) : ObjectRef, IEffectInputBitmap<T> where T : unmanaged, INaturalPixelInfo
    {
        public SizeInt32 Size => new(width, height);
        IBitmapLock IEffectInputBitmap.Lock(RectInt32 rect) => Lock(rect);
        public IBitmapLock<T> Lock(RectInt32 rect)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (rect.X < 0 || rect.Y < 0 || rect.X + rect.Width > width || rect.Y + rect.Height > height)
                throw new ArgumentOutOfRangeException(nameof(rect), $"{rect} is outside the {width}x{height} bitmap");
            int bpp = sizeof(T);
            return new Lock<T>((byte*)pin.AddrOfPinnedObject() + (rect.Y * width + rect.X) * bpp, width * bpp, new SizeInt32(rect.Width, rect.Height));
        }
    }

    /// <summary>One reference to the source layer: counted while alive, unusable once disposed.</summary>
    private sealed class SourceReference : Bitmap<ColorBgra32>
    {
        private readonly PdnHost _host;
        public SourceReference(PdnHost host) : base(host._sourcePin, host.Width, host.Height)
        {
            _host = host;
            Interlocked.Increment(ref host._liveSources);
            Interlocked.Increment(ref host._sourcesHandedOut);
        }
        protected override void OnDisposed() => Interlocked.Decrement(ref _host._liveSources);
    }

    private sealed class Selection(PdnHost host) : ObjectRef, IBitmapEffectSelectionInfo
    {
        private readonly Bitmap<ColorAlpha8> _mask = new(host._maskPin, host.Width, host.Height);
        public RectInt32 RenderBounds => host.SelectionBounds;
        public IEffectInputBitmap<ColorAlpha8> MaskBitmap => _mask;
    }

    private sealed class DocumentInfo : ObjectRef, IEffectDocumentInfo;

    private sealed class Environment(PdnHost host) : ObjectRef, IBitmapEffectEnvironment, IFacadeEnvironment
    {
        private readonly Selection _selection = new(host);
        public IBitmapEffectSelectionInfo Selection => _selection;
        IEffectSelectionInfo IEffectEnvironment.Selection => _selection;
        public float BrushSize => 2;
        public IEffectDocumentInfo Document { get; } = new DocumentInfo();
        public ColorBgra32 PrimaryColor => new(0, 0, 0, 255);
        public ColorBgra32 SecondaryColor => new(255, 255, 255, 255);
        public int SourceLayerIndex => 0;
        public IEffectInputBitmap<ColorBgra32> CreateSourceBgra32() => new SourceReference(host);
    }

    private sealed class Output(PdnHost host, RectInt32 bounds) : IBitmapEffectOutput, IFacadeOutput
    {
        public RectInt32 Bounds => bounds;
        public IBitmapLock<ColorBgra32> LockBgra32() => new Bitmap<ColorBgra32>(host._outputPin, host.Width, host.Height).Lock(bounds);
    }
}
