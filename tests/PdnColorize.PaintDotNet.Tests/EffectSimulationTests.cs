using PaintDotNet.Effects;
using PaintDotNet.IndirectUI;
using PaintDotNet.PropertySystem;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>The effect driven as Paint.NET drives it (see <see cref="PdnHost"/>), over a fake model.</summary>
public sealed class EffectSimulationTests
{
    private const int W = 120, H = 90;

    private static void Set(PropertyCollection props, string name, object value) => props[name].Value = value;

    [Fact]
    public void Dialog_offers_the_settings_with_their_defaults()
    {
        var model = new FakeModel();
        var models = new FakeModels(model,
            new ModelChoice("pdnc-resnet18-v2", "ResNet-18 v2 (built in)", true), new ModelChoice("ddcolor-large", "DDColor large", false));
        var effect = TestEffects.Create(models, new ChromaCache(), new FixedAdvisor("no GPU: CUDA missing"));
        using var host = new PdnHost(TestImages.Gray(W, H));
        var run = host.Run(effect);

        var names = run.Properties.Select(p => p.Name).ToArray();
        Assert.Equal(["Model", "Precision", "Device", "Strength", "Detail", "ContextMargin", "RunsOn"], names);
        var model0 = (StaticListChoiceProperty)run.Properties["Model"];
        Assert.Equal(["pdnc-resnet18-v2", "ddcolor-large"], model0.ValueChoices);
        Assert.Equal("pdnc-resnet18-v2", model0.Value);
        Assert.Equal(PrecisionChoice.Auto, run.Properties["Precision"].Value);
        Assert.Equal([PrecisionChoice.Auto, PrecisionChoice.FP32, PrecisionChoice.FP16, PrecisionChoice.INT8],
            ((StaticListChoiceProperty)run.Properties["Precision"]).ValueChoices);
        Assert.Equal([DeviceChoice.Auto, DeviceChoice.GPU, DeviceChoice.CPU], ((StaticListChoiceProperty)run.Properties["Device"]).ValueChoices);
        var strength = (Int32Property)run.Properties["Strength"];
        Assert.Equal((100, 0, 200), (strength.Value, strength.MinValue, strength.MaxValue));
        Assert.Equal(DetailMode.Auto, run.Properties["Detail"].Value);
        var margin = (Int32Property)run.Properties["ContextMargin"];
        Assert.Equal((25, 0, 100), (margin.Value, margin.MinValue, margin.MaxValue));
        var line = (StringProperty)run.Properties["RunsOn"];
        Assert.True(line.ReadOnly);
        Assert.StartsWith("Runs on CPU at FP32 (no GPU: CUDA missing)", (string)line.Value!); // then, unless it opened already, "; preparing the model (first use)"

        var modelUi = run.Ui.FindControlForPropertyName("Model")!;
        Assert.Equal("ResNet-18 v2 (built in)", modelUi.GetValueDisplayName("pdnc-resnet18-v2"));
        Assert.Equal("Strength (%)", run.Ui.FindControlForPropertyName("Strength")!.Get(ControlInfoPropertyNames.DisplayName));
        Assert.Equal(SubmenuNames.Photo, effect.SubmenuName);
        Assert.Equal("Colorize (AI)", effect.Name); // Paint.NET adds the "..." of a configurable effect itself
        Assert.True(effect.Options.IsConfigurable);
        Assert.True(run.Flags.HasFlag(BitmapEffectRenderingFlags.DisableSelectionClipping));
    }

    [Fact]
    public void Without_a_selection_every_pixel_is_coloured_and_alpha_kept()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out _);
        var doc = TestImages.Gray(W, H, alphaRamp: true);
        var before = doc.Clone();
        using var host = new PdnHost(doc);
        var run = host.Run(effect);

        Assert.False(run.Cancelled);
        Assert.True(run.Tiles.Count > 4); // rendered in several tiles, as Paint.NET does
        AssertColouredWhereMidGray(before, doc, (_, _) => true);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) Assert.Equal(Pixels.At(before, x, y).A, Pixels.At(doc, x, y).A);
        Assert.Equal(1, model.Calls);
    }

    [Fact]
    public void Each_model_run_gives_its_working_memory_back_and_a_failed_one_too()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out _);
        using (var host = new PdnHost(TestImages.Gray(W, H))) host.Run(effect);
        Assert.Equal(1, model.Calls);
        Assert.Equal(1, model.Releases); // once per run, not once per render tile

        var failing = new FakeModel { Throw = new InvalidOperationException("CUDA failure") };
        using (var host = new PdnHost(TestImages.Gray(W, H))) host.Run(TestEffects.Create(failing, out _));
        Assert.Equal(1, failing.Releases);
    }

    [Fact]
    public void A_rectangle_selection_changes_only_its_pixels()
    {
        var rect = new PixelRect(30, 20, 50, 40);
        var doc = TestImages.Gray(W, H);
        var before = doc.Clone();
        using var host = new PdnHost(doc, Pixels.Rectangles(W, H, rect));
        var run = host.Run(TestEffects.Create(new FakeModel(), out _));

        AssertUntouchedOutside(before, doc, (x, y) => rect.Contains(x, y));
        AssertColouredWhereMidGray(before, doc, (x, y) => rect.Contains(x, y));
        Assert.DoesNotContain(PdnHost.Sentinel, run.Output.Where((_, i) => i % 4 == 3)); // every output pixel written
    }

    [Fact]
    public void A_feathered_ellipse_blends_by_coverage()
    {
        var coverage = Pixels.FeatheredEllipse(W, H, 60, 45, 40, 30, feather: 8);
        var doc = TestImages.Gray(W, H);
        var before = doc.Clone();
        using var host = new PdnHost(doc, coverage);
        var bounds = host.SelectionBounds;

        // The same bounds fully selected: same region, same model answer, so these are the fully coloured pixels.
        var full = before.Clone();
        var boundsRect = new PixelRect(bounds.X, bounds.Y, bounds.Width, bounds.Height);
        using (var reference = new PdnHost(full, Pixels.Rectangles(W, H, boundsRect)))
            reference.Run(TestEffects.Create(new FakeModel(), out _));

        host.Run(TestEffects.Create(new FakeModel(), out _));
        int partial = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int c = coverage[y * W + x];
                if (c is > 0 and < 255) partial++;
                var s = before.Row(y, x, 1); var f = full.Row(y, x, 1); var o = doc.Row(y, x, 1);
                for (int k = 0; k < 3; k++)
                    Assert.Equal((s[k] * (255 - c) + f[k] * c + 127) / 255, o[k]);
                Assert.Equal(s[3], o[3]);
            }
        Assert.True(partial > 100, $"the mask should be feathered; {partial} partial pixels");
        AssertUntouchedOutside(before, doc, (x, y) => coverage[y * W + x] > 0);
    }

    [Fact]
    public void A_multi_scan_selection_leaves_the_gap_between_scans_untouched()
    {
        var a = new PixelRect(5, 5, 30, 25);
        var b = new PixelRect(70, 45, 40, 35);
        var doc = TestImages.Gray(W, H);
        var before = doc.Clone();
        using var host = new PdnHost(doc, Pixels.Rectangles(W, H, a, b));
        host.Run(TestEffects.Create(new FakeModel(), out _));

        bool In(int x, int y) => a.Contains(x, y) || b.Contains(x, y);
        AssertUntouchedOutside(before, doc, In);
        AssertColouredWhereMidGray(before, doc, In);
        Assert.Equal(Pixels.At(before, 50, 35), Pixels.At(doc, 50, 35)); // inside the bounds, between the scans
    }

    [Fact]
    public void A_selection_touching_the_image_edge_is_handled()
    {
        var rect = new PixelRect(W - 37, H - 23, 37, 23); // the bottom-right corner; tiles there are partial
        var doc = TestImages.Gray(W, H);
        var before = doc.Clone();
        using var host = new PdnHost(doc, Pixels.Rectangles(W, H, rect)) { TileSize = 16 };
        var run = host.Run(TestEffects.Create(new FakeModel(), out _));

        Assert.Contains(run.Tiles, t => t.Width < 16 || t.Height < 16);
        AssertUntouchedOutside(before, doc, (x, y) => rect.Contains(x, y));
        AssertColouredWhereMidGray(before, doc, (x, y) => rect.Contains(x, y));
        Assert.Empty(host.Dialogs.Shown);
    }

    [Fact]
    public void Strength_zero_is_the_input_bit_for_bit_and_runs_no_model()
    {
        var model = new FakeModel();
        var doc = TestImages.Gray(W, H, alphaRamp: true);
        var before = Pixels.Bytes(doc);
        using var host = new PdnHost(doc, Pixels.FeatheredEllipse(W, H, 60, 45, 40, 30, 8));
        host.Run(TestEffects.Create(model, out _), p => Set(p, "Strength", 0));

        Assert.Equal(before, Pixels.Bytes(doc));
        Assert.Equal(0, model.Calls);
    }

    [Fact]
    public void Moving_only_strength_recomposes_without_running_the_model_again()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out var cache);
        var original = TestImages.Gray(W, H);
        var rect = new PixelRect(10, 10, 60, 50);

        byte[] Render(ColorizeEffect e, Action<PropertyCollection> edit)
        {
            var doc = original.Clone();
            using var host = new PdnHost(doc, Pixels.Rectangles(W, H, rect));
            host.Run(e, edit);
            return Pixels.Bytes(doc);
        }

        var at100 = Render(effect, _ => { });
        var at50 = Render(effect, p => Set(p, "Strength", 50));
        var at200 = Render(effect, p => Set(p, "Strength", 200));
        Assert.Equal(1, model.Calls);
        Assert.NotEqual(at100, at50);
        Assert.NotEqual(at100, at200);

        // The dialog reopened (a new effect instance) or Repeat: the same document, the same answer.
        Render(TestEffects.Create(new FakeModels(model), cache), p => Set(p, "Strength", 150));
        Assert.Equal(1, model.Calls);

        // What the model sees changes: it runs again.
        Render(effect, p => Set(p, "Detail", DetailMode.Global));
        Assert.Equal(2, model.Calls);
        Render(effect, p => Set(p, "ContextMargin", 60)); // 60 % of 60 px is under the 64 px minimum: same region
        Assert.Equal(2, model.Calls);
        Render(effect, p => Set(p, "ContextMargin", 0)); // no context: a smaller region
        Assert.Equal(3, model.Calls);
        Assert.Equal(3, cache.RunsStarted);
    }

    [Fact]
    public void The_next_dialog_says_what_the_engine_did_in_the_last_render()
    {
        const string note = "the GPU ran out of memory (CUDA FP16, 1x256x256); continuing on the CPU";
        var services = new EffectServices(new FakeModels(new FakeModel { Notes = [note] }), new FixedAdvisor(), new ChromaCache());
        var original = TestImages.Gray(W, H);
        string before;
        using (var host = new PdnHost(original.Clone()))
            before = (string)host.Run(new ColorizeEffect(services)).Properties["RunsOn"].Value!;
        Assert.DoesNotContain("Last render", before);

        using var again = new PdnHost(original.Clone());
        string after = (string)again.Run(new ColorizeEffect(services)).Properties["RunsOn"].Value!;
        Assert.StartsWith("Runs on CPU at FP32", after);
        Assert.Contains("Last render: the GPU ran out of memory", after);
    }

    [Fact]
    public void Fine_detail_runs_tiles_in_one_run_and_strength_still_only_recomposes()
    {
        var model = new FakeModel { PreferredSize = 32 };
        var models = new FakeModels(model);
        var effect = TestEffects.Create(models, new ChromaCache());
        var original = TestImages.Gray(W, H);
        using (var host = new PdnHost(original.Clone())) host.Run(effect, p => Set(p, "Detail", DetailMode.Fine));
        int calls = model.Calls;
        Assert.True(calls > 1, "the detail pass should run the model on tiles");
        using (var host = new PdnHost(original.Clone())) host.Run(effect, p => { Set(p, "Detail", DetailMode.Fine); Set(p, "Strength", 70); });
        Assert.Equal(calls, model.Calls);
        Assert.Single(models.Opened); // one run
    }

    [Fact]
    public void Tiles_of_any_size_give_the_pixels_of_one_render_call()
    {
        var coverage = Pixels.FeatheredEllipse(W, H, 50, 40, 45, 35, 6);
        var cache = new ChromaCache();
        var model = new FakeModel();
        byte[] Render(int tile)
        {
            var doc = TestImages.Gray(W, H);
            using var host = new PdnHost(doc, coverage) { TileSize = tile };
            host.Run(TestEffects.Create(new FakeModels(model), cache));
            return Pixels.Bytes(doc);
        }
        var whole = Render(1000);
        foreach (int tile in new[] { 7, 33 })
        {
            var tiled = Render(tile);
            // Core's row compose takes SIMD paths on long rows and scalar ones on short tails, which can round a
            // channel one level apart: allow that, on a handful of pixels, never more.
            var differing = Enumerable.Range(0, whole.Length).Where(i => whole[i] != tiled[i]).ToList();
            Assert.All(differing, i => Assert.True(Math.Abs(whole[i] - tiled[i]) <= 1, $"byte {i}: {whole[i]} vs {tiled[i]}"));
            Assert.True(differing.Count <= whole.Length / 1000, $"{differing.Count} bytes differ with {tile}-pixel tiles");
        }
        Assert.Equal(1, model.Calls);
    }

    [Fact]
    public void Without_a_selection_the_context_margin_does_not_rerun_the_model()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out _);
        var original = TestImages.Gray(W, H);
        using (var host = new PdnHost(original.Clone())) host.Run(effect, p => Set(p, "ContextMargin", 0));
        using (var host = new PdnHost(original.Clone())) host.Run(effect, p => Set(p, "ContextMargin", 100));
        Assert.Equal(1, model.Calls); // the region is the whole image either way
    }

    [Fact]
    public void A_changed_document_runs_the_model_again()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out _);
        using var host = new PdnHost(TestImages.Gray(W, H));
        host.Run(effect);
        host.Run(effect); // the layer now holds the first result: another document
        Assert.Equal(2, model.Calls);
    }

    [Fact]
    public async Task Cancel_while_the_model_runs_writes_nothing_and_stops_the_run()
    {
        var model = new FakeModel { BlockUntilCancelled = true };
        var effect = TestEffects.Create(model, out var cache);
        var doc = TestImages.Gray(W, H);
        var before = Pixels.Bytes(doc);
        using var host = new PdnHost(doc, Pixels.FeatheredEllipse(W, H, 60, 45, 40, 30, 8));
        using var cancel = new CancellationTokenSource();

        var rendering = Task.Run(() => host.Run(effect, null, cancel.Token));
        Assert.True(model.Entered.Wait(TimeSpan.FromSeconds(10)), "the model never started");
        cancel.Cancel();
        var run = await rendering.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(run.Cancelled);
        Assert.All(run.Output, b => Assert.Equal(PdnHost.Sentinel, b)); // not one output byte written
        Assert.Equal(before, Pixels.Bytes(doc));
        Assert.Empty(host.Dialogs.Shown);
        Assert.True(model.SawCancellation.Wait(TimeSpan.FromSeconds(10)), "the model run was not cancelled");
        Assert.Equal(0, cache.Count); // a cancelled run is not remembered
    }

    [Fact]
    public void A_model_error_on_render_threads_is_thrown_for_paint_nets_error_report_which_names_the_plugin()
    {
        var model = new FakeModel { Throw = new InvalidOperationException("CUDA failure 700: an illegal memory access") };
        var doc = TestImages.Gray(W, H);
        var before = Pixels.Bytes(doc);
        using var host = new PdnHost(doc);
        var run = host.Run(TestEffects.Create(model, out _));

        var error = Assert.IsType<ColorizeException>(run.Error);
        Assert.StartsWith(ErrorPolicy.Headline, error.Message);
        Assert.Contains("CUDA failure 700", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Empty(host.Dialogs.Shown); // no dialog from a render thread
        Assert.Equal(1, model.Calls); // not once per tile
        Assert.Equal(before, Pixels.Bytes(doc)); // Paint.NET commits nothing from a render that threw
        var version = typeof(ColorizeEffect).Assembly.GetName().Version!;
        Assert.StartsWith($"Colorize (AI) {version} (PdnColorize contributors)", run.ErrorReport);
        Assert.Contains("CUDA failure 700", run.ErrorReport);
    }

    [Fact]
    public void A_model_error_on_the_UI_thread_goes_to_the_error_dialog_once_and_the_layer_is_not_blank()
    {
        var model = new FakeModel { Throw = new InvalidOperationException("CUDA failure 700: an illegal memory access") };
        var doc = TestImages.Gray(W, H);
        var before = Pixels.Bytes(doc);
        using var host = new PdnHost(doc) { RenderOnUiThread = true };
        var run = host.Run(TestEffects.Create(model, out _));

        Assert.Null(run.Error);
        var shown = Assert.Single(host.Dialogs.Shown);
        Assert.True(shown.OnUiThread);
        Assert.StartsWith(ErrorPolicy.Headline, shown.Message);
        Assert.Contains("CUDA failure 700", shown.Message);
        Assert.IsType<InvalidOperationException>(shown.Error);
        Assert.Equal(1, model.Calls);
        Assert.Equal(before, run.Output); // the preview is the original, never transparent
        Assert.Equal(before, Pixels.Bytes(doc));
    }

    [Fact]
    public void Without_a_dialog_service_an_error_is_thrown_even_on_the_UI_thread()
    {
        using var host = new PdnHost(TestImages.Gray(W, H)) { RenderOnUiThread = true, OffersDialogService = false };
        var run = host.Run(TestEffects.Create(new FakeModel { Throw = new InvalidOperationException("boom") }, out _));
        Assert.Contains("boom", Assert.IsType<ColorizeException>(run.Error).Message);
        Assert.Empty(host.Dialogs.Shown);
    }

    [Fact]
    public void NaN_output_is_reported_with_advice()
    {
        using var host = new PdnHost(TestImages.Gray(W, H));
        var run = host.Run(TestEffects.Create(new FakeModel { ReturnNaN = true }, out _));
        var error = Assert.IsType<ColorizeException>(run.Error);
        Assert.IsType<ModelOutputException>(error.InnerException);
        Assert.Contains("FP32", error.Message);
    }

    [Fact]
    public void A_missing_model_is_reported_with_what_to_do()
    {
        using var empty = new TempDir();
        var store = new PdnColorize.Engines.ModelStore(empty.Path, null);
        var effect = TestEffects.Create(new StoreModelProvider(store), new ChromaCache());
        using var host = new PdnHost(TestImages.Gray(W, H));
        var run = host.Run(effect);

        Assert.Equal([""], ((StaticListChoiceProperty)run.Properties["Model"]).ValueChoices);
        var error = Assert.IsType<ColorizeException>(run.Error);
        Assert.IsType<PdnColorize.Engines.ModelContractException>(error.InnerException);
        Assert.Contains("Reinstall", error.Message);
    }

    [Fact]
    public void Paint_nets_order_render_info_then_token_then_tiles_and_a_token_only_rerender()
    {
        var model = new FakeModel();
        var effect = TestEffects.Create(model, out var cache);
        var original = TestImages.Gray(W, H);
        var rect = new PixelRect(10, 10, 60, 50);
        using var host = new PdnHost(original.Clone(), Pixels.Rectangles(W, H, rect));
        var session = host.Open(effect);

        var first = session.Render();
        Assert.Equal(["InitializeRenderInfo", "SetToken", $"Render x{first.Tiles.Count}"], first.Calls);
        var at100 = Pixels.Bytes(host.Document);

        // Dragging Strength: a new token and new renders, no new render info, the same source reference.
        var dragged = session.Rerender(p => Set(p, "Strength", 50));
        Assert.Equal(["SetToken", $"Render x{dragged.Tiles.Count}"], dragged.Calls);
        Assert.Equal(1, model.Calls);
        Assert.Equal(1, host.SourceReferencesHandedOut);
        Assert.Equal(1, host.LiveSourceReferences);
        var at50 = Pixels.Bytes(host.Document);
        Assert.NotEqual(at100, at50);

        // The re-render gives what a fresh session at 50 % gives.
        using var fresh = new PdnHost(original.Clone(), Pixels.Rectangles(W, H, rect));
        fresh.Run(TestEffects.Create(new FakeModels(model), cache), p => Set(p, "Strength", 50));
        Assert.Equal(Pixels.Bytes(fresh.Document), at50);
        Assert.Equal(1, model.Calls);
    }

    [Fact]
    public void Each_render_info_takes_a_new_source_reference_and_the_effect_releases_the_one_it_replaces()
    {
        var effect = TestEffects.Create(new FakeModel(), out _);
        using var host = new PdnHost(TestImages.Gray(W, H));
        host.Run(effect);
        host.Run(effect);
        host.Run(effect);
        Assert.Equal(3, host.SourceReferencesHandedOut);
        Assert.Equal(1, host.LiveSourceReferences); // only the current one is held
        effect.Dispose();
        Assert.Equal(0, host.LiveSourceReferences);
    }

    [Theory]
    [InlineData(RenderArea.WholeLayer)]
    [InlineData(RenderArea.SelectionBounds)]
    public void Under_DisableSelectionClipping_both_render_areas_give_the_same_layer(RenderArea area)
    {
        var coverage = Pixels.FeatheredEllipse(W, H, 60, 45, 40, 30, feather: 8);
        var doc = TestImages.Gray(W, H);
        var before = doc.Clone();
        using var host = new PdnHost(doc, coverage) { Area = area, TileSize = 24 };
        var run = host.Run(TestEffects.Create(new FakeModel(), out _));

        Assert.True(run.Flags.HasFlag(BitmapEffectRenderingFlags.DisableSelectionClipping));
        var b = host.SelectionBounds;
        if (area == RenderArea.SelectionBounds)
            Assert.All(run.Tiles, t => Assert.True(t.X >= b.X && t.Y >= b.Y && t.X + t.Width <= b.X + b.Width && t.Y + t.Height <= b.Y + b.Height, $"tile {t} outside {b}"));
        else
            Assert.Equal(W * H, run.Tiles.Sum(t => t.Width * t.Height));
        AssertUntouchedOutside(before, doc, (x, y) => coverage[y * W + x] > 0);
        AssertColouredWhereMidGray(before, doc, (x, y) => coverage[y * W + x] == 255);

        // The same pixels whichever area Paint.NET picks.
        var other = before.Clone();
        using (var reference = new PdnHost(other, coverage) { Area = area == RenderArea.WholeLayer ? RenderArea.SelectionBounds : RenderArea.WholeLayer, TileSize = 24 })
            reference.Run(TestEffects.Create(new FakeModel(), out _));
        Assert.Equal(Pixels.Bytes(other), Pixels.Bytes(doc));
    }

    private static void AssertUntouchedOutside(BgraImage before, BgraImage after, Func<int, int, bool> selected)
    {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (!selected(x, y) && !before.Row(y, x, 1).SequenceEqual(after.Row(y, x, 1)))
                    Assert.Fail($"pixel ({x},{y}) outside the selection changed: {Pixels.At(before, x, y)} -> {Pixels.At(after, x, y)}");
    }

    private static void AssertColouredWhereMidGray(BgraImage before, BgraImage after, Func<int, int, bool> selected)
    {
        int checkedPixels = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int v = Pixels.At(before, x, y).R;
                if (!selected(x, y) || v < 40 || v > 215) continue;
                checkedPixels++;
                Assert.True(Pixels.Chroma(after, x, y) > 8, $"pixel ({x},{y}) of gray {v} was not coloured: {Pixels.At(after, x, y)}");
            }
        Assert.True(checkedPixels > 50);
    }
}
