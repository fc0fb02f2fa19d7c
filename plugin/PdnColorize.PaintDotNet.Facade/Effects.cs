// Facade of Paint.NET 5.1 PaintDotNet.Effects.Core.dll: the BitmapEffect API as the adapter uses it, declared with the
// real shapes from the public API docs (paintdotnet/apidocs): sealed Dispose(bool) with OnDispose, the environment's
// real members, the selection and input-bitmap interfaces with their bases and pixel constraints, the constructor
// overloads. The "Host..." members are internal: they stand for what Paint.NET's effect system does, and only the
// tests' simulator calls them.
using System;
using System.Collections.Generic;
using System.Threading;
using PaintDotNet.ComponentModel;
using PaintDotNet.Imaging;
using PaintDotNet.IndirectUI;
using PaintDotNet.PropertySystem;
using PaintDotNet.Rendering;

namespace PaintDotNet.Effects
{
    public static class SubmenuNames
    {
        public static string Photo => "Photo";
    }

    public record BitmapEffectOptions
    {
        public static BitmapEffectOptions Create() => new();
        public bool IsConfigurable { get; init; }
    }

    [Flags]
    public enum BitmapEffectRenderingFlags : ulong
    {
        None = 0, SingleThreaded = 1, DisableSelectionClipping = 2, ForceAliasedSelectionQuality = 4,
        FirstTileIsRenderedWithBarrier = 8, UninitializedOutputBuffer = 16,
    }

    public enum BitmapEffectRenderingSchedule : long { None = 0, HorizontalStrips = 1, SquareTiles = 2 }

    public interface IBitmapEffectRenderInfo
    {
        BitmapEffectRenderingFlags Flags { get; set; }
        BitmapEffectRenderingSchedule Schedule { get; set; }
    }

    /// <summary>A bitmap the effect reads: a reference the holder disposes.</summary>
    public interface IEffectInputBitmap : IBitmapSource
    {
        IBitmapLock Lock(RectInt32 rect);
    }

    public interface IEffectInputBitmap<TPixel> : IEffectInputBitmap, IBitmapSource<TPixel> where TPixel : struct, INaturalPixelInfo
    {
        new IBitmapLock<TPixel> Lock(RectInt32 rect);
    }

    public interface IEffectSelectionInfo : IObjectRef
    {
        RectInt32 RenderBounds { get; }
        IEffectInputBitmap<ColorAlpha8> MaskBitmap { get; }
    }

    /// <summary>The bitmap effect's selection (its Geometry member is not used here and not declared).</summary>
    public interface IBitmapEffectSelectionInfo : IEffectSelectionInfo { }

    /// <summary>The document (its layers and composition are not used here and not declared).</summary>
    public interface IEffectDocumentInfo : IObjectRef { }

    public interface IEffectEnvironment : IObjectRef
    {
        float BrushSize { get; }
        IEffectDocumentInfo Document { get; }
        ColorBgra32 PrimaryColor { get; }
        ColorBgra32 SecondaryColor { get; }
        IEffectSelectionInfo Selection { get; }
        int SourceLayerIndex { get; }
    }

    public interface IBitmapEffectEnvironment : IEffectEnvironment
    {
        new IBitmapEffectSelectionInfo Selection { get; }
    }

    public interface IBitmapEffectOutput
    {
        RectInt32 Bounds { get; }
    }

    /// <summary>What the simulator's environment provides behind <see cref="EffectEnvironmentExtensions"/>: a new reference per call.</summary>
    internal interface IFacadeEnvironment { IEffectInputBitmap<ColorBgra32> CreateSourceBgra32(); }

    /// <summary>What the simulator's output provides behind <see cref="BitmapEffectOutputExtensions"/>.</summary>
    internal interface IFacadeOutput { IBitmapLock<ColorBgra32> LockBgra32(); }

    public static class EffectEnvironmentExtensions
    {
        /// <summary>The source layer; each call returns a new reference, which the caller must dispose.</summary>
        public static IEffectInputBitmap<ColorBgra32> GetSourceBitmapBgra32(this IEffectEnvironment environment) =>
            environment.GetSourceBitmap<ColorBgra32>();

        public static IEffectInputBitmap<TPixel> GetSourceBitmap<TPixel>(this IEffectEnvironment environment) where TPixel : unmanaged, INaturalPixelInfo =>
            typeof(TPixel) == typeof(ColorBgra32)
                ? (IEffectInputBitmap<TPixel>)((IFacadeEnvironment)environment).CreateSourceBgra32()
                : throw new NotSupportedException("the compile facade converts to no other pixel format than Bgra32");
    }

    public static class BitmapEffectOutputExtensions
    {
        public static IBitmapLock<ColorBgra32> LockBgra32(this IBitmapEffectOutput output) => ((IFacadeOutput)output).LockBgra32();
    }

    public abstract class EffectConfigToken { }

    public sealed class PropertyBasedEffectConfigToken : EffectConfigToken
    {
        public PropertyBasedEffectConfigToken(PropertyCollection props) => Properties = props.Clone();
        public PropertyCollection Properties { get; }
        public T? GetProperty<T>(object propertyName) where T : Property => Properties[propertyName] as T;
    }

    public abstract class EffectBase : RefTrackedObject
    {
        private protected EffectBase(string name, string? submenuName, BitmapEffectOptions options)
        {
            Name = name; SubmenuName = submenuName; Options = options;
        }

        internal string Name { get; }
        internal string? SubmenuName { get; }
        internal BitmapEffectOptions Options { get; }
        internal IServiceProvider? HostServices;
        internal CancellationToken HostCancellation;
        internal IBitmapEffectEnvironment? HostEnvironment;

        protected IServiceProvider Services => HostServices ?? throw new InvalidOperationException("no services attached");
        protected IEffectEnvironment Environment => HostEnvironment ?? throw new InvalidOperationException("no environment attached");
        protected bool IsCancelRequested => HostCancellation.IsCancellationRequested;
        protected CancellationToken CancellationToken => HostCancellation;

        /// <summary>Sealed as in Paint.NET: effects release what they hold in <see cref="OnDispose"/>.</summary>
        protected sealed override void Dispose(bool disposing) => OnDispose(disposing);
        protected virtual void OnDispose(bool disposing) { }
    }

    public abstract class BitmapEffect : EffectBase
    {
        private protected BitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }

        protected new IBitmapEffectEnvironment Environment => HostEnvironment ?? throw new InvalidOperationException("no environment attached");

        protected virtual void OnSetToken(EffectConfigToken? newToken) { }
        protected virtual void OnInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo) { }
        protected abstract void OnRender(IBitmapEffectOutput output);

        internal void HostSetToken(EffectConfigToken? token) => OnSetToken(token);
        internal void HostInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo) => OnInitializeRenderInfo(renderInfo);
        internal void HostRender(IBitmapEffectOutput output) => OnRender(output);
    }

    public abstract class BitmapEffect<TToken> : BitmapEffect where TToken : EffectConfigToken
    {
        private protected BitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }
        protected TToken? Token { get; private set; }
        protected sealed override void OnSetToken(EffectConfigToken? newToken) { Token = (TToken?)newToken; OnSetToken(Token); }
        protected virtual void OnSetToken(TToken? newToken) { }
    }

    public abstract class PropertyBasedBitmapEffect : BitmapEffect<PropertyBasedEffectConfigToken>
    {
        protected PropertyBasedBitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }
        protected PropertyBasedBitmapEffect(string name, IBitmapSource image, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }
        protected PropertyBasedBitmapEffect(string name, System.Drawing.Image image, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }

        protected abstract PropertyCollection OnCreatePropertyCollection();
        protected virtual ControlInfo OnCreateConfigUI(PropertyCollection props) => CreateDefaultConfigUI(props);
        public static ControlInfo CreateDefaultConfigUI(IEnumerable<Property> props) => ControlInfo.CreateDefaultConfigUI(props);
        public PropertyCollection CreatePropertyCollection() => OnCreatePropertyCollection();
        public ControlInfo CreateConfigUI(PropertyCollection props) => OnCreateConfigUI(props);
    }
}
