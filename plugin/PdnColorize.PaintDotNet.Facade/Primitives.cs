// Facade of Paint.NET 5.1 primitives (PaintDotNet.Primitives.dll, PaintDotNet.Windows.dll): only what the adapter uses.
using System;

namespace PaintDotNet.Rendering
{
    public struct SizeInt32 : IEquatable<SizeInt32>
    {
        public SizeInt32(int width, int height) { Width = width; Height = height; }
        public int Width { get; set; }
        public int Height { get; set; }
        public bool Equals(SizeInt32 other) => Width == other.Width && Height == other.Height;
        public override bool Equals(object? obj) => obj is SizeInt32 s && Equals(s);
        public override int GetHashCode() => HashCode.Combine(Width, Height);
    }

    public struct RectInt32 : IEquatable<RectInt32>
    {
        public RectInt32(int x, int y, int width, int height) { X = x; Y = y; Width = width; Height = height; }
        public int X { get; set; }
        public int Y { get; set; }
        public int Width { get; set; }
        public int Height { get; set; }
        public bool Equals(RectInt32 other) => X == other.X && Y == other.Y && Width == other.Width && Height == other.Height;
        public override bool Equals(object? obj) => obj is RectInt32 r && Equals(r);
        public override int GetHashCode() => HashCode.Combine(X, Y, Width, Height);
        public override string ToString() => $"{X},{Y},{Width},{Height}";
    }
}

namespace PaintDotNet.Imaging
{
    using PaintDotNet.Rendering;

    public struct ColorBgra32 { public byte B, G, R, A; }

    public struct ColorAlpha8 { public byte A; }

    public interface IBitmapSource : IDisposable
    {
        SizeInt32 Size { get; }
    }

    public interface IBitmapLock : IDisposable
    {
        int BufferStride { get; }
        SizeInt32 Size { get; }
    }

    public unsafe interface IBitmapLock<TPixel> : IBitmapLock where TPixel : unmanaged
    {
        TPixel* Buffer { get; }
    }
}

namespace PaintDotNet.AppModel
{
    [Flags]
    public enum ExceptionDetailOptions : long { Default = 0, ExcludeDiagnostics = 1 }

    public interface IExceptionDialogService
    {
        void ShowErrorDialog(System.Windows.Forms.IWin32Window? owner, string? message, Exception exception,
            ExceptionDetailOptions exceptionDetailOptions = ExceptionDetailOptions.Default);
    }
}

namespace System.Windows.Forms
{
    /// <summary>Stands in for WinForms' window handle interface, which the real dialog service's signature names.</summary>
    public interface IWin32Window { IntPtr Handle { get; } }
}
