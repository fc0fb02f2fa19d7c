// Facade of Paint.NET 5.1 primitives (PaintDotNet.Primitives.dll, PaintDotNet.ComponentModel.dll, PaintDotNet.Windows.dll):
// only what the adapter uses, with the real shapes (interfaces, constraints, properties rather than fields), so that
// code which would not compile against Paint.NET's DLLs does not compile here either.
using System;
using System.Runtime.InteropServices;

namespace PaintDotNet
{
    public interface IIsDisposed { bool IsDisposed { get; } }
}

namespace PaintDotNet.ComponentModel
{
    /// <summary>Paint.NET's reference-counted object: every reference handed out must be disposed by its holder.</summary>
    public interface IObjectRef : IIsDisposed, IDisposable
    {
        bool TryCreateRef(Type interfaceType, out IObjectRef? objectRef);
    }

    /// <summary>Base of Paint.NET's tracked objects; <see cref="Dispose(bool)"/> is where subclasses release.</summary>
    public abstract class RefTrackedObject : IDisposable
    {
        public bool IsDisposed { get; private set; }

        public void Dispose()
        {
            if (IsDisposed) return;
            IsDisposed = true;
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing) { }
    }
}

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
    using PaintDotNet.ComponentModel;
    using PaintDotNet.Rendering;

    public interface IPixelInfo { }

    /// <summary>The constraint Paint.NET puts on pixel types of bitmaps and locks (its members are not needed here).</summary>
    public interface INaturalPixelInfo : IPixelInfo { }

    [StructLayout(LayoutKind.Sequential)]
    public struct ColorBgra32 : INaturalPixelInfo, IEquatable<ColorBgra32>
    {
        private byte _b, _g, _r, _a;
        public ColorBgra32(byte b, byte g, byte r, byte a) { _b = b; _g = g; _r = r; _a = a; }
        public byte B { readonly get => _b; set => _b = value; }
        public byte G { readonly get => _g; set => _g = value; }
        public byte R { readonly get => _r; set => _r = value; }
        public byte A { readonly get => _a; set => _a = value; }
        public readonly bool Equals(ColorBgra32 other) => _b == other._b && _g == other._g && _r == other._r && _a == other._a;
        public override readonly bool Equals(object? obj) => obj is ColorBgra32 c && Equals(c);
        public override readonly int GetHashCode() => HashCode.Combine(_b, _g, _r, _a);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ColorAlpha8 : INaturalPixelInfo
    {
        private byte _a;
        public ColorAlpha8(byte a) => _a = a;
        public byte A { readonly get => _a; set => _a = value; }
    }

    public interface IBitmapSource : IObjectRef
    {
        SizeInt32 Size { get; }
    }

    public interface IBitmapSource<TPixel> : IBitmapSource where TPixel : struct, INaturalPixelInfo { }

    public interface IBitmapLock : IObjectRef
    {
        int BufferStride { get; }
        SizeInt32 Size { get; }
    }

    public unsafe interface IBitmapLock<TPixel> : IBitmapLock where TPixel : struct, INaturalPixelInfo
    {
        TPixel* Buffer { get; }
    }
}

namespace PaintDotNet.AppModel
{
    using System.Windows.Forms;

    [Flags]
    public enum ExceptionDetailOptions : long { Default = 0, ExcludeDiagnostics = 1 }

    /// <summary>The three overloads Paint.NET 5.1 documents (owner not nullable in the docs).</summary>
    public interface IExceptionDialogService
    {
        void ShowErrorDialog(IWin32Window owner, Exception exception, ExceptionDetailOptions exceptionDetailOptions = ExceptionDetailOptions.Default);
        void ShowErrorDialog(IWin32Window owner, string message, Exception exception, ExceptionDetailOptions exceptionDetailOptions = ExceptionDetailOptions.Default);
        void ShowErrorDialog(IWin32Window owner, string message, string detailsText);
    }
}

namespace PaintDotNet
{
    /// <summary>What Paint.NET's error reports and plugin list show about a plugin.</summary>
    public interface IPluginSupportInfo
    {
        string? Author { get; }
        string? Copyright { get; }
        string? DisplayName { get; }
        Version? Version { get; }
        Uri? WebsiteUri { get; }
    }

    [AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
    public class PluginSupportInfoAttribute : Attribute, IPluginSupportInfo
    {
        private readonly IPluginSupportInfo? _info;
        public PluginSupportInfoAttribute() { }
        public PluginSupportInfoAttribute(Type pluginSupportInfoProvider) => _info = (IPluginSupportInfo?)Activator.CreateInstance(pluginSupportInfoProvider);
        private protected PluginSupportInfoAttribute(IPluginSupportInfo info) => _info = info;
        public string? Author => _info?.Author;
        public string? Copyright => _info?.Copyright;
        public string? DisplayName => _info?.DisplayName;
        public Version? Version => _info?.Version;
        public Uri? WebsiteUri => _info?.WebsiteUri;
    }

    public sealed class PluginSupportInfoAttribute<T> : PluginSupportInfoAttribute where T : IPluginSupportInfo, new()
    {
        public PluginSupportInfoAttribute() : base(new T()) { }
    }
}

namespace System.Windows.Forms
{
    /// <summary>Stands in for WinForms' window handle interface, which the real dialog service's signature names.</summary>
    public interface IWin32Window { IntPtr Handle { get; } }
}

namespace System.Drawing
{
    /// <summary>Stands in for GDI+'s Image, which one of the real effect constructors takes as the menu icon.</summary>
    public abstract class Image : IDisposable { public void Dispose() { } }
}
