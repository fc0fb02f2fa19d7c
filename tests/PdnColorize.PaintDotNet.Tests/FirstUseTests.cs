using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>
/// The model is opened in the background from the moment the dialog is built, through <see cref="PdnHost"/>, over a
/// provider whose opening waits for a gate (a first load or FP16 conversion takes seconds).
/// </summary>
public sealed class FirstUseTests
{
    private const int W = 120, H = 90;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly ModelChoice Builtin = new("pdnc-resnet18-v2", "ResNet-18 v2 (built in)", true);
    private static readonly ModelChoice Other = new("ddcolor-tiny", "DDColor tiny", false);

    private static ColorizeEffect Effect(IModelProvider models, IExecutionAdvisor? advisor = null) =>
        TestEffects.Create(models, new ChromaCache(abandonGrace: TimeSpan.Zero), advisor ?? new FixedAdvisor("no GPU here"));

    [Fact]
    public async Task Building_the_dialog_starts_opening_the_model_and_the_first_render_reuses_it()
    {
        var model = new FakeModel();
        var models = new GatedModels(_ => model, Builtin, Other);
        var effect = Effect(models);
        using var host = new PdnHost(TestImages.Gray(W, H));
        var session = host.Open(effect);

        Assert.True(models.Entered.Wait(Patience), "the opening did not start when the dialog was built");
        Assert.Equal("Runs on CPU at FP32 (no GPU here); preparing the model (first use)", session.Properties["RunsOn"].Value);
        var render = Task.Run(() => session.Render()); // the render waits for the opening already under way
        Assert.NotSame(render, await Task.WhenAny(render, Task.Delay(200)));
        models.Gate.Set();
        var run = await render;

        Assert.Null(run.Error);
        Assert.False(run.Cancelled);
        Assert.Equal(Builtin.Id, Assert.Single(models.Opened).Id); // one engine creation, not two
        Assert.Equal(1, model.Calls);
        Assert.Equal(0, model.Disposals);
        Assert.Equal(0, models.Entered.CurrentCount);
    }

    [Fact]
    public void Disposing_the_effect_cancels_a_running_preparation_and_disposes_the_model_it_made()
    {
        var model = new FakeModel();
        var models = new GatedModels(_ => model, Builtin);
        var effect = Effect(models);
        using var host = new PdnHost(TestImages.Gray(W, H));
        host.Open(effect);
        Assert.True(models.Entered.Wait(Patience));
        var token = models.Opened[0].Token;
        Assert.False(token.IsCancellationRequested);

        effect.Dispose(); // the dialog was closed before anything rendered
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(0, model.Disposals); // not made yet

        models.Gate.Set(); // the opening cannot stop midway; what it makes is disposed unused
        Assert.True(SpinWait.SpinUntil(() => model.Disposals == 1, Patience));
        Assert.Equal(0, model.Calls);
    }

    [Fact]
    public async Task A_model_change_before_the_preparation_finishes_discards_the_first_and_renders_with_the_second()
    {
        var first = new FakeModel();
        var second = new FakeModel();
        var models = new GatedModels(id => id == Builtin.Id ? first : second, Builtin, Other);
        var effect = Effect(models);
        using var host = new PdnHost(TestImages.Gray(W, H));
        var session = host.Open(effect);
        Assert.True(models.Entered.Wait(Patience));

        var render = Task.Run(() => session.Render(p => p["Model"].Value = Other.Id));
        Assert.True(models.Entered.Wait(Patience), "the new model's opening did not start");
        Assert.True(models.Opened[0].Token.IsCancellationRequested); // nobody waits for the first one
        Assert.False(models.Opened[1].Token.IsCancellationRequested);
        models.Gate.Set();
        var run = await render;

        Assert.Null(run.Error);
        Assert.Equal([Builtin.Id, Other.Id], models.Opened.Select(o => o.Id));
        Assert.Equal((0, 1), (first.Calls, second.Calls));
        Assert.True(SpinWait.SpinUntil(() => first.Disposals == 1, Patience));
        Assert.Equal(0, second.Disposals); // still the effect's model for the next render

        effect.Dispose();
        Assert.True(SpinWait.SpinUntil(() => second.Disposals == 1, Patience));
    }

    [Fact]
    public void On_a_GPU_at_FP16_the_dialog_says_the_GPU_model_is_being_prepared()
    {
        var models = new GatedModels(_ => new FakeModel(), Builtin);
        var effect = Effect(models, new GpuAdvisor());
        using var host = new PdnHost(TestImages.Gray(W, H));
        var session = host.Open(effect);

        Assert.Equal("Runs on CUDA at FP16; preparing the GPU model (first use)", session.Properties["RunsOn"].Value);
        Assert.True(models.Entered.Wait(Patience));
        Assert.Equal(PrecisionChoice.FP16, models.Opened[0].Plan.Precision);
        models.Gate.Set();
        effect.Dispose();
    }

    [Fact]
    public void A_model_opened_before_in_this_process_is_not_called_a_first_use()
    {
        var model = new FakeModel();
        var models = new GatedModels(_ => model, Builtin);
        models.Gate.Set();
        var services = new EffectServices(models, new FixedAdvisor("no GPU here"), new ChromaCache(abandonGrace: TimeSpan.Zero));
        var original = TestImages.Gray(W, H);
        using (var host = new PdnHost(original.Clone()))
            Assert.Null(host.Run(new ColorizeEffect(services)).Error);

        using var again = new PdnHost(original.Clone());
        var run = again.Run(new ColorizeEffect(services));
        Assert.Equal("Runs on CPU at FP32 (no GPU here)", run.Properties["RunsOn"].Value);
    }
}
