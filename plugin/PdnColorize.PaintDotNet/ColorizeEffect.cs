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
/// Effects > Photo > Colorize (AI)…: the only code that knows Paint.NET. It maps the dialog to
/// <see cref="EffectSettings"/>, host buffers to BGRA images, and hands every decision to <see cref="RenderSession"/>.
/// </summary>
public sealed unsafe class ColorizeEffect : PropertyBasedBitmapEffect
{
    private enum Names { Model, Precision, Device, Strength, Detail, ContextMargin, RunsOn }

    private const int MaxLineLength = 500;
    private readonly RenderSession _session;
    private EffectSettings _settings = new();
    private IEffectInputBitmap<ColorBgra32>? _source;

    public ColorizeEffect() : this(EffectServices.Default) { }

    internal ColorizeEffect(EffectServices services)
        : base("Colorize (AI)…", SubmenuNames.Photo, BitmapEffectOptions.Create() with { IsConfigurable = true })
        => _session = new RenderSession(services);

    protected override PropertyCollection OnCreatePropertyCollection()
    {
        object[] models = _session.Models.Count > 0 ? _session.Models.Select(m => (object)m.Id).ToArray() : [""];
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
        }
        base.OnSetToken(newToken);
    }

    protected override void OnInitializeRenderInfo(IBitmapEffectRenderInfo renderInfo)
    {
        // Core blends feathered selections by coverage itself, so the host must not clip (and blend) a second time.
        // The first tile runs the model; the others would only wait for it.
        renderInfo.Flags |= BitmapEffectRenderingFlags.DisableSelectionClipping | BitmapEffectRenderingFlags.FirstTileIsRenderedWithBarrier;
        var source = Environment.GetSourceBitmapBgra32();
        if (!ReferenceEquals(source, _source)) _session.SourceChanged();
        _source = source;
        base.OnInitializeRenderInfo(renderInfo);
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
            Report(settings, e);
            TileComposer.CopyAll(source, destination); // the dialog has said why; never a blank layer
        }
    }

    private void Report(EffectSettings settings, Exception error)
    {
        if (!_session.ClaimErrorReport(settings, error)) return;
        if (Services.GetService(typeof(IExceptionDialogService)) is not IExceptionDialogService dialogs)
            throw new InvalidOperationException(ErrorPolicy.Describe(error), error); // let Paint.NET show it
        dialogs.ShowErrorDialog(null, ErrorPolicy.Describe(error), error);
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
