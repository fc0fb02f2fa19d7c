using System.Runtime.InteropServices;
using PaintDotNet.AppModel;
using PaintDotNet.Effects;
using PaintDotNet.Imaging;
using PaintDotNet.IndirectUI;
using PaintDotNet.PropertySystem;
using PaintDotNet.Rendering;
using PdnColorize.Core.Pixels;
using PdnColorize.PaintDotNet;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>What one simulated effect session produced.</summary>
internal sealed record HostRun(bool Cancelled, IReadOnlyList<RectInt32> Tiles, BitmapEffectRenderingFlags Flags,
    BitmapEffectRenderingSchedule Schedule, byte[] Output, PropertyCollection Properties, ControlInfo Ui);

/// <summary>Records what the effect would have shown the user.</summary>
internal sealed class RecordingDialogs : IExceptionDialogService
{
    public readonly List<(string? Message, Exception Error)> Shown = new();

    public void ShowErrorDialog(System.Windows.Forms.IWin32Window? owner, string? message, Exception exception, ExceptionDetailOptions options)
    {
        lock (Shown) Shown.Add((message, exception));
    }
}

/// <summary>
/// Paint.NET's effect host as the effect sees it, driven through the facade's host hooks: a document layer, a
/// selection (8-bit coverage, feathered or not), the dialog's properties -> token -> OnSetToken ->
/// OnInitializeRenderInfo -> OnRender over the selection's bounds in square tiles (the first alone when the effect
/// asks for a barrier, the rest in parallel), then the commit: the output replaces the layer (or is blended by
/// coverage when the effect leaves clipping to the host), and nothing is committed when the render was cancelled.
/// </summary>
internal sealed unsafe class PdnHost : IDisposable, IServiceProvider
{
    private readonly byte[] _sourceSurface, _maskSurface, _outputSurface;
    private readonly GCHandle _sourcePin, _maskPin, _outputPin;
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

    public object? GetService(Type serviceType) => serviceType == typeof(IExceptionDialogService) ? Dialogs : null;

    /// <summary>One dialog session: fresh properties (edited as a user would), token, render, commit.</summary>
    public HostRun Run(ColorizeEffect effect, Action<PropertyCollection>? edit = null, CancellationToken cancel = default)
    {
        // The layer as it is now is the effect's source.
        for (int y = 0; y < Height; y++) Document.Row(y).CopyTo(_sourceSurface.AsSpan(y * Width * 4, Width * 4));
        Array.Fill(_outputSurface, Sentinel);

        effect.HostServices = this;
        effect.HostCancellation = cancel;
        effect.HostEnvironment = new Environment(this);
        var props = effect.CreatePropertyCollection();
        var ui = effect.CreateConfigUI(props);
        edit?.Invoke(props);
        effect.HostSetToken(new PropertyBasedEffectConfigToken(props));
        var info = new RenderInfo { Schedule = BitmapEffectRenderingSchedule.SquareTiles };
        effect.HostInitializeRenderInfo(info);

        // A clipped effect is rendered over the selection's bounds. One that disables clipping may be asked for any
        // pixel: render the whole layer, so the effect itself must reproduce every unselected pixel exactly.
        bool hostClips = !info.Flags.HasFlag(BitmapEffectRenderingFlags.DisableSelectionClipping);
        var area = hostClips ? SelectionBounds : new RectInt32(0, 0, Width, Height);
        var tiles = info.Schedule == BitmapEffectRenderingSchedule.None ? [area] : Tiles(area, TileSize);
        int first = 0;
        if (info.Flags.HasFlag(BitmapEffectRenderingFlags.FirstTileIsRenderedWithBarrier) && tiles.Count > 0)
        {
            effect.HostRender(new Output(this, tiles[0]));
            first = 1;
        }
        Parallel.ForEach(tiles.Skip(first), new ParallelOptions { MaxDegreeOfParallelism = 2 },
            (tile, state) => { if (cancel.IsCancellationRequested) state.Stop(); else effect.HostRender(new Output(this, tile)); });

        var output = _outputSurface.ToArray();
        if (cancel.IsCancellationRequested) return new HostRun(true, tiles, info.Flags, info.Schedule, output, props, ui);
        foreach (var t in tiles)
            for (int y = t.Y; y < t.Y + t.Height; y++)
                for (int x = t.X; x < t.X + t.Width; x++)
                {
                    int c = hostClips ? _maskSurface[y * Width + x] : 255;
                    var dst = Document.Row(y, x, 1);
                    for (int k = 0; k < 4; k++)
                        dst[k] = (byte)((_sourceSurface[(y * Width + x) * 4 + k] * (255 - c) + output[(y * Width + x) * 4 + k] * c + 127) / 255);
                }
        return new HostRun(false, tiles, info.Flags, info.Schedule, output, props, ui);
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

    private sealed class Lock<T>(byte* origin, int stride, SizeInt32 size) : IBitmapLock<T> where T : unmanaged
    {
        public T* Buffer => (T*)origin;
        public int BufferStride => stride;
        public SizeInt32 Size => size;
        public void Dispose() { }
    }

    private sealed class Bitmap<T>(GCHandle pin, int width, int height) : IEffectInputBitmap<T> where T : unmanaged
    {
        public SizeInt32 Size => new(width, height);
        public IBitmapLock<T> Lock(RectInt32 rect)
        {
            if (rect.X < 0 || rect.Y < 0 || rect.X + rect.Width > width || rect.Y + rect.Height > height)
                throw new ArgumentOutOfRangeException(nameof(rect), $"{rect} is outside the {width}x{height} bitmap");
            int bpp = sizeof(T);
            return new Lock<T>((byte*)pin.AddrOfPinnedObject() + (rect.Y * width + rect.X) * bpp, width * bpp, new SizeInt32(rect.Width, rect.Height));
        }
        public void Dispose() { }
    }

    private sealed class Selection(PdnHost host) : IEffectSelectionInfo
    {
        public RectInt32 RenderBounds => host.SelectionBounds;
        public IEffectInputBitmap<ColorAlpha8> MaskBitmap => new Bitmap<ColorAlpha8>(host._maskPin, host.Width, host.Height);
    }

    private sealed class Environment(PdnHost host) : IBitmapEffectEnvironment, IFacadeEnvironment
    {
        public IEffectSelectionInfo Selection { get; } = new Selection(host);
        public IEffectInputBitmap<ColorBgra32> SourceBgra32 { get; } = new Bitmap<ColorBgra32>(host._sourcePin, host.Width, host.Height);
    }

    private sealed class Output(PdnHost host, RectInt32 bounds) : IBitmapEffectOutput, IFacadeOutput
    {
        public RectInt32 Bounds => bounds;
        public IBitmapLock<ColorBgra32> LockBgra32() => new Bitmap<ColorBgra32>(host._outputPin, host.Width, host.Height).Lock(bounds);
    }
}
