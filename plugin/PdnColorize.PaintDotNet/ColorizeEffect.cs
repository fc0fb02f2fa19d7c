using System.Reflection;
using PaintDotNet;
using PaintDotNet.AppModel;
using PaintDotNet.Effects;
using PaintDotNet.Imaging;
using PaintDotNet.IndirectUI;
using PaintDotNet.PropertySystem;
using PaintDotNet.Rendering;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.PaintDotNet.Hosting;

namespace PdnColorize.PaintDotNet;

/// <summary>
/// Effects > Photo > Colorize (AI): the only code that knows Paint.NET. It maps the dialog to
/// <see cref="EffectSettings"/>, host buffers to BGRA images, and hands every decision to <see cref="RenderSession"/>.
/// Paint.NET calls it in this order: OnInitializeRenderInfo, OnSetToken, OnRender per tile; a new token alone (Repeat,
/// a slider drag) is OnSetToken and OnRender again, with the same source.
/// </summary>
[PluginSupportInfo<ColorizeSupportInfo>]
public sealed unsafe class ColorizeEffect : PropertyBasedBitmapEffect
{
    /// <summary>The menu name. Paint.NET appends "..." to a configurable effect's name itself.</summary>
    public const string DisplayName = "Colorize (AI)";

    private enum Names { Model, Precision, Device, Strength, Detail, ContextMargin, RunsOn }

    private const int MaxLineLength = 500;
    private readonly RenderSession _session;
    private EffectSettings _settings = new();
    private IEffectInputBitmap<ColorBgra32>? _source;

    public ColorizeEffect() : this(EffectServices.Default) { }

    internal ColorizeEffect(EffectServices services)
        : base(DisplayName, SubmenuNames.Photo, BitmapEffectOptions.Create() with { IsConfigurable = true })
        => _session = new RenderSession(services);

    protected override PropertyCollection OnCreatePropertyCollection()
    {
        object[] models = _session.Models.Count > 0 ? _session.Models.Select(m => (object)m.Id).ToArray() : [""];
        // The dialog opens on the first model at Auto: start opening it now, so the first render finds it ready.
        _session.PrepareModel(new EffectSettings { ModelId = (string)models[0] });
        // IndirectUI cannot change a property's text while the dialog is open, so this line is computed once, as the
        // dialog is built: it says "preparing ... (first use)" when the preparation just started has never finished in
        // this process, and cannot say when it finishes.
        string runsOn = _session.DescribeExecution();
        return new PropertyCollection(new Property[]
        {
            new StaticListChoiceProperty(Names.Model, models, 0),
            StaticListChoiceProperty.CreateForEnum(Names.Precision, PrecisionChoice.Auto),
            StaticListChoiceProperty.CreateForEnum(Names.Device, DeviceChoice.Auto),
            new Int32Property(Names.Strength, EffectSettings.DefaultStrengthPercent, 0, EffectSettings.MaxStrengthPercent),
            StaticListChoiceProperty.CreateForEnum(Names.Detail, DetailMode.Auto),
            new Int32Property(Names.ContextMargin, EffectSettings.DefaultContextMarginPercent, 0, EffectSettings.MaxContextMarginPercent),
            new StringProperty(Names.RunsOn, runsOn.Length > MaxLineLength ? runsOn[..MaxLineLength] : runsOn, MaxLineLength, true),
        });
    }

    protected override ControlInfo OnCreateConfigUI(PropertyCollection props)
    {
        var ui = CreateDefaultConfigUI(props);
        ui.SetPropertyControlValue(Names.Model, ControlInfoPropertyNames.DisplayName, "Model");
        ui.SetPropertyControlValue(Names.Precision, ControlInfoPropertyNames.DisplayName, "Precision");
        ui.SetPropertyControlValue(Names.Device, ControlInfoPropertyNames.DisplayName, "Device");
        ui.SetPropertyControlValue(Names.Strength, ControlInfoPropertyNames.DisplayName, "Strength (%)");
        ui.SetPropertyControlValue(Names.Strength, ControlInfoPropertyNames.Description,
            "0 = unchanged, 100 = the model's colours, 200 = twice as vivid");
        ui.SetPropertyControlValue(Names.Detail, ControlInfoPropertyNames.DisplayName, "Detail");
        ui.SetPropertyControlValue(Names.ContextMargin, ControlInfoPropertyNames.DisplayName, "Context margin for selections (%)");
        ui.SetPropertyControlValue(Names.ContextMargin, ControlInfoPropertyNames.Description,
            "How much of the surroundings the model sees around a selection, as % of its larger side");
        ui.SetPropertyControlValue(Names.RunsOn, ControlInfoPropertyNames.DisplayName, "Runs on");

        var model = ui.FindControlForPropertyName(Names.Model)!;
        foreach (var m in _session.Models) model.SetValueDisplayName(m.Id, m.DisplayName);
        if (_session.Models.Count == 0) model.SetValueDisplayName("", "(no model installed: reinstall PdnColorize)");
        var precision = ui.FindControlForPropertyName(Names.Precision)!;
        precision.SetValueDisplayName(PrecisionChoice.Auto, "Auto (FP16 on GPU, FP32 on CPU)");
        var device = ui.FindControlForPropertyName(Names.Device)!;
        device.SetValueDisplayName(DeviceChoice.Auto, "Auto (GPU when usable)");
        var detail = ui.FindControlForPropertyName(Names.Detail)!;
        detail.SetValueDisplayName(DetailMode.Global, "Global (fastest: the whole region at once)");
        detail.SetValueDisplayName(DetailMode.Fine, "Fine (adds tiles at higher resolution)");
        return ui;
    }

    protected override void OnSetToken(PropertyBasedEffectConfigToken? newToken)
    {
        if (newToken is not null)
        {
            _settings = new EffectSettings
            {
                ModelId = newToken.GetProperty<StaticListChoiceProperty>(Names.Model)!.Value?.ToString() ?? "",
                Precision = (PrecisionChoice)newToken.GetProperty<StaticListChoiceProperty>(Names.Precision)!.Value,
                Device = (DeviceChoice)newToken.GetProperty<StaticListChoiceProperty>(Names.Device)!.Value,
                StrengthPercent = newToken.GetProperty<Int32Property>(Names.Strength)!.Value,
                Detail = (DetailMode)newToken.GetProperty<StaticListChoiceProperty>(Names.Detail)!.Value,
                ContextMarginPercent = newToken.GetProperty<Int32Property>(Names.ContextMargin)!.Value,
            };
            // Another model or precision starts its own preparation (and retires the previous one) before the render.
            _session.PrepareModel(_settings);
        }
        base.OnSetToken(newToken);
    }

    protected override void OnInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo)
    {
        // Core blends feathered selections by coverage itself, so the host must not clip (and blend) a second time.
        // The first tile runs the model; the others would only wait for it.
        renderInfo.Flags |= BitmapEffectRenderingFlags.DisableSelectionClipping | BitmapEffectRenderingFlags.FirstTileIsRenderedWithBarrier;
        // Each call hands out a new reference to the source layer: keep this one for the renders that follow, and
        // release the one it replaces.
        var previous = _source;
        _source = Environment.GetSourceBitmapBgra32();
        previous?.Dispose();
        _session.SourceChanged();
        base.OnInitializeRenderInfo(renderInfo);
    }

    protected override void OnDispose(bool disposing)
    {
        if (disposing)
        {
            _source?.Dispose();
            _source = null;
            _session.Dispose(); // cancels a preparation still running and disposes what it made
        }
        base.OnDispose(disposing);
    }

    protected override void OnRender(IBitmapEffectOutput output)
    {
        var settings = _settings;
        var tile = ToPixels(output.Bounds);
        using var outputLock = output.LockBgra32();
        using var sourceLock = _source!.Lock(output.Bounds);
        var destination = Image(outputLock);
        var source = Image(sourceLock);
        try
        {
            var selection = Environment.Selection;
            var image = new PixelRect(0, 0, _source.Size.Width, _source.Size.Height);
            var selected = ToPixels(selection.RenderBounds);
            var chroma = _session.GetChroma(settings, image, selected == image ? null : selected, LockSource, CancellationToken);
            using var maskLock = selection.MaskBitmap.Lock(output.Bounds);
            var coverage = TileCoverage.Read(new ReadOnlySpan<byte>(maskLock.Buffer, UnmanagedBuffer.Length(tile.Width, tile.Height, maskLock.BufferStride)),
                maskLock.BufferStride, tile.Width, tile.Height);
            TileComposer.Compose(source, destination, tile, chroma, coverage, settings.ToCore().Strength, CancellationToken);
        }
        catch (Exception e) when (ErrorPolicy.IsCancellation(e) && IsCancelRequested)
        {
            // Paint.NET discards a cancelled render; nothing is written.
        }
        catch (Exception e)
        {
            // A WinForms dialog may only be shown on a thread with a message loop (it has a SynchronizationContext);
            // render threads have none. There, throwing is the safe way: Paint.NET stops the render, keeps the layer and
            // shows its effect-error report, which names us through PluginSupportInfo.
            var dialogs = Services.GetService(typeof(IExceptionDialogService)) as IExceptionDialogService;
            if (ErrorPolicy.Route(SynchronizationContext.Current is not null, dialogs is not null) == ErrorRoute.Throw)
                throw new ColorizeException(ErrorPolicy.Describe(e), e);
            // An effect has no window to own the dialog; null asks for an unowned one.
            if (_session.ClaimErrorReport(settings, e)) dialogs!.ShowErrorDialog(null!, ErrorPolicy.Describe(e), e);
            TileComposer.CopyAll(source, destination); // the dialog has said why; never a blank layer
        }
    }

    private PixelLease LockSource(PixelRect rect)
    {
        var locked = _source!.Lock(new RectInt32(rect.X, rect.Y, rect.Width, rect.Height));
        return new PixelLease(Image(locked), locked);
    }

    private static BgraImage Image(IBitmapLock<ColorBgra32> locked) =>
        UnmanagedBuffer.Image(locked.Buffer, locked.Size.Width, locked.Size.Height, locked.BufferStride);

    private static PixelRect ToPixels(RectInt32 r) => new(r.X, r.Y, r.Width, r.Height);
}

/// <summary>What Paint.NET's error reports and plugin list say about us: author, version, website (when the build names one).</summary>
public sealed class ColorizeSupportInfo : IPluginSupportInfo
{
    private static readonly Assembly Self = typeof(ColorizeSupportInfo).Assembly;

    public string Author => Self.GetCustomAttribute<AssemblyCompanyAttribute>()?.Company ?? "PdnColorize contributors";
    public string Copyright => Self.GetCustomAttribute<AssemblyCopyrightAttribute>()?.Copyright ?? "";
    public string DisplayName => ColorizeEffect.DisplayName;
    public Version Version => Self.GetName().Version ?? new Version(0, 0);

    /// <summary>The build's -p:PdnColorizeWebsite, or null: no address is invented.</summary>
    public Uri? WebsiteUri =>
        Self.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "PdnColorize.Website")?.Value is { Length: > 0 } url
        && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
}
