// Facade of Paint.NET 5.1 PaintDotNet.Effects.Core.dll: the BitmapEffect API as the adapter uses it. The "Host..."
// members are internal: they stand for what Paint.NET's effect system does, and only the tests' simulator calls them.
using System;
using System.Collections.Generic;
using System.Threading;
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
        public bool IsConfigurable { get; set; }
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

    public interface IEffectInputBitmap<TPixel> : IBitmapSource where TPixel : unmanaged
    {
        IBitmapLock<TPixel> Lock(RectInt32 rect);
    }

    public interface IEffectSelectionInfo
    {
        RectInt32 RenderBounds { get; }
        IEffectInputBitmap<ColorAlpha8> MaskBitmap { get; }
    }

    public interface IEffectEnvironment { }

    public interface IBitmapEffectEnvironment : IEffectEnvironment
    {
        IEffectSelectionInfo Selection { get; }
    }

    public interface IBitmapEffectOutput
    {
        RectInt32 Bounds { get; }
    }

    /// <summary>What the simulator's environment provides behind <see cref="EffectEnvironmentExtensions"/>.</summary>
    internal interface IFacadeEnvironment { IEffectInputBitmap<ColorBgra32> SourceBgra32 { get; } }

    /// <summary>What the simulator's output provides behind <see cref="BitmapEffectOutputExtensions"/>.</summary>
    internal interface IFacadeOutput { IBitmapLock<ColorBgra32> LockBgra32(); }

    public static class EffectEnvironmentExtensions
    {
        public static IEffectInputBitmap<ColorBgra32> GetSourceBitmapBgra32(this IEffectEnvironment environment) =>
            ((IFacadeEnvironment)environment).SourceBgra32;
    }

    public static class BitmapEffectOutputExtensions
    {
        public static IBitmapLock<ColorBgra32> LockBgra32(this IBitmapEffectOutput output) => ((IFacadeOutput)output).LockBgra32();
    }

    public abstract class EffectConfigToken { }

    public sealed class PropertyBasedEffectConfigToken : EffectConfigToken
    {
        public PropertyBasedEffectConfigToken(PropertyCollection propertyCollection) => Properties = propertyCollection.Clone();
        public PropertyCollection Properties { get; }
        public T? GetProperty<T>(object propertyName) where T : Property => Properties[propertyName] as T;
    }

    public abstract class EffectBase : IDisposable
    {
        protected EffectBase(string name, string? submenuName, BitmapEffectOptions options)
        {
            Name = name; SubmenuName = submenuName; Options = options;
        }

        internal string Name { get; }
        internal string? SubmenuName { get; }
        internal BitmapEffectOptions Options { get; }
        internal IServiceProvider? HostServices;
        internal CancellationToken HostCancellation;

        protected IServiceProvider Services => HostServices ?? throw new InvalidOperationException("no services attached");
        protected bool IsCancelRequested => HostCancellation.IsCancellationRequested;
        protected CancellationToken CancellationToken => HostCancellation;

        public void Dispose() { Dispose(true); GC.SuppressFinalize(this); }
        protected virtual void Dispose(bool disposing) { }
    }

    public abstract class BitmapEffect : EffectBase
    {
        protected BitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }

        internal IBitmapEffectEnvironment? HostEnvironment;
        protected IBitmapEffectEnvironment Environment => HostEnvironment ?? throw new InvalidOperationException("no environment attached");

        protected virtual void OnSetToken(EffectConfigToken? newToken) { }
        protected virtual void OnInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo) { }
        protected abstract void OnRender(IBitmapEffectOutput output);
        protected virtual void OnDispose(bool disposing) { }
        protected override void Dispose(bool disposing) => OnDispose(disposing);

        internal void HostSetToken(EffectConfigToken? token) => OnSetToken(token);
        internal void HostInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo) => OnInitializeRenderInfo(renderInfo);
        internal void HostRender(IBitmapEffectOutput output) => OnRender(output);
    }

    public abstract class BitmapEffect<TToken> : BitmapEffect where TToken : EffectConfigToken
    {
        protected BitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }
        protected TToken? Token { get; private set; }
        protected sealed override void OnSetToken(EffectConfigToken? newToken) { Token = (TToken?)newToken; OnSetToken(Token); }
        protected virtual void OnSetToken(TToken? newToken) { }
    }

    public abstract class PropertyBasedBitmapEffect : BitmapEffect<PropertyBasedEffectConfigToken>
    {
        protected PropertyBasedBitmapEffect(string name, string? submenuName, BitmapEffectOptions options) : base(name, submenuName, options) { }

        protected abstract PropertyCollection OnCreatePropertyCollection();
        protected virtual ControlInfo OnCreateConfigUI(PropertyCollection props) => CreateDefaultConfigUI(props);
        public static ControlInfo CreateDefaultConfigUI(IEnumerable<Property> props) => ControlInfo.CreateDefaultConfigUI(props);
        public PropertyCollection CreatePropertyCollection() => OnCreatePropertyCollection();
        public ControlInfo CreateConfigUI(PropertyCollection props) => OnCreateConfigUI(props);
    }
}
