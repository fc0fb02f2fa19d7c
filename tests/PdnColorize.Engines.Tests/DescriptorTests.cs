using PdnColorize.Engines;
using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Conversion;
using PdnColorize.Engines.Descriptors;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class DescriptorTests
{
    private static ModelManifest Manifest(string? input = null, string? output = null) =>
        new() { Id = "m", Name = "m", Input = input, Output = output };

    [Fact]
    public void Three_channels_in_and_two_out_is_inferred_as_ddcolor_and_needs_no_rewrite()
    {
        using var dir = new TempDir();
        var plan = ContractAdapter.Plan(FixtureModels.Plumbing(dir.File("m.onnx")), null);
        Assert.Equal(ModelDescriptor.Contract, plan.Descriptor);
        Assert.False(plan.NeedsRewrite);
    }

    [Fact]
    public void One_channel_in_and_two_out_is_inferred_as_L100_lab_ab()
    {
        using var dir = new TempDir();
        var plan = ContractAdapter.Plan(DescriptorFixtures.LabFromL(dir.File("m.onnx")), null);
        Assert.Equal(new ModelDescriptor(InputConvention.L100, OutputConvention.LabAb), plan.Descriptor);
        Assert.True(plan.NeedsRewrite);
    }

    [Fact]
    public void Three_in_three_out_is_ambiguous_and_the_message_names_the_fields_to_add()
    {
        using var dir = new TempDir();
        string path = DescriptorFixtures.RgbOut(dir.File("deoldify.onnx"), 255);
        var e = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, null));
        Assert.Contains("\"output\" (rgb01 or rgb255)", e.Message);
        Assert.Contains("\"input\" (gray-rgb01 or gray-rgb255)", e.Message);
        Assert.Contains("deoldify.json", e.Message);
        Assert.Contains("--input", e.Message);

        // Saying only the output still leaves the input's scale open.
        var half = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, Manifest(output: "rgb255")));
        Assert.Contains("\"input\" (gray-rgb01 or gray-rgb255)", half.Message);
        Assert.DoesNotContain("\"output\" (", half.Message);

        var plan = ContractAdapter.Plan(path, Manifest("gray-rgb255", "rgb255"));
        Assert.Equal(new ModelDescriptor(InputConvention.GrayRgb255, OutputConvention.Rgb255), plan.Descriptor);
    }

    [Fact]
    public void A_manifest_that_contradicts_the_shapes_or_misspells_a_name_is_refused()
    {
        using var dir = new TempDir();
        string path = FixtureModels.Plumbing(dir.File("m.onnx"));
        var wrong = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, Manifest("L100", "lab-ab")));
        Assert.Contains("\"input\": \"L100\" (1 channel(s))", wrong.Message);
        var typo = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, Manifest("gray-rgb", "lab-ab")));
        Assert.Contains("gray-rgb01, gray-rgb255, L100", typo.Message);
        var two = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(FixtureModels.WrongInputChannels(dir.File("w.onnx")), null));
        Assert.Contains("[N,3,H,W] (gray sRGB) or [N,1,H,W] (L*)", two.Message);
        Assert.Contains("[N,2,H,W]", two.Message);
    }

    [Fact]
    public void OnnxIo_reads_the_declared_io_without_the_initializers()
    {
        using var dir = new TempDir();
        var io = OnnxIo.Read(DescriptorFixtures.LabAbQuarter(dir.File("m.onnx")));
        var input = Assert.Single(io.Inputs);
        var output = Assert.Single(io.Outputs);
        Assert.Equal("[N,3,H,W]", input.Shape);
        Assert.Equal("[N,2,h4,w4]", output.Shape);
        Assert.Equal(17, io.Opset);
        File.WriteAllBytes(dir.File("junk.onnx"), [0x0a, 0xff, 0xff, 0xff, 0x7f]);
        Assert.Throws<ModelContractException>(() => OnnxIo.Read(dir.File("junk.onnx")));
    }

    [Fact]
    public void OnnxIo_on_every_truncation_of_a_model_reads_it_or_reports_a_model_problem()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(DescriptorFixtures.WithHints(dir.File("m.onnx")));
        string cut = dir.File("cut.onnx");
        int read = 0;
        for (int n = 0; n < bytes.Length; n++)
        {
            File.WriteAllBytes(cut, bytes[..n]);
            try { OnnxIo.Read(cut); read++; }
            catch (ModelContractException) { }
        }
        Assert.True(read < bytes.Length / 2, $"{read} of {bytes.Length} truncations read as whole models");
    }

    [Theory]
    [InlineData(0.2f)]
    [InlineData(0.75f)]
    public void An_L100_model_is_fed_the_lightness_of_the_gray_input(float gray)
    {
        using var dir = new TempDir();
        var ab = RunAdapted(DescriptorFixtures.LabFromL(dir.File("m.onnx")), null, gray, dir);
        double l = LabRef.FromSrgb(gray, gray, gray).L;
        Assert.Equal(0.8 * (l - 50), ab.A, 2);
        Assert.Equal(25, ab.B, 3);
    }

    [Theory]
    [InlineData("gray-rgb255", "rgb255", 255f)]
    [InlineData("gray-rgb01", "rgb01", 1f)]
    public void A_colour_image_out_becomes_its_lab_chroma(string input, string output, float scale)
    {
        using var dir = new TempDir();
        const float gray = 0.7f;
        var ab = RunAdapted(DescriptorFixtures.RgbOut(dir.File("m.onnx"), scale), Manifest(input, output), gray, dir);
        var want = LabRef.FromSrgb(gray, 1 - gray, 0.5);
        Assert.Equal(want.A, ab.A, 1);
        Assert.Equal(want.B, ab.B, 1);
    }

    [Fact]
    public void Extra_inputs_are_refused_unless_the_manifest_says_zeros_and_then_get_zeros()
    {
        using var dir = new TempDir();
        string path = DescriptorFixtures.WithHints(dir.File("siggraph.onnx"));
        var e = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, null));
        Assert.Contains("3 input(s)", e.Message);
        Assert.Contains("\"extra_inputs\": \"zeros\"", e.Message);
        var typo = Assert.Throws<ModelContractException>(() => ContractAdapter.Plan(path, Manifest() with { ExtraInputs = "zero" }));
        Assert.Contains("\"zeros\"", typo.Message);

        var manifest = Manifest() with { ExtraInputs = "zeros" };
        var plan = ContractAdapter.Plan(path, manifest);
        Assert.Equal(new ModelDescriptor(InputConvention.L100, OutputConvention.LabAb), plan.Descriptor);
        Assert.Equal(["hint_ab", "hint_mask"], plan.ZeroInputs.Select(z => z.Name));
        var ab = RunAdapted(path, manifest, 0.4f, dir);
        double l = LabRef.FromSrgb(0.4, 0.4, 0.4).L;
        Assert.Equal(0.8 * (l - 50), ab.A, 2); // the hints were zero: no 40 x mask, no 0.5 x hint
        Assert.Equal(25, ab.B, 3);
    }

    [Fact]
    public void A_quarter_size_ab_output_is_resized_to_the_input_size()
    {
        using var dir = new TempDir();
        var plan = ContractAdapter.Plan(DescriptorFixtures.LabAbQuarter(dir.File("m.onnx")), null);
        Assert.Equal(ModelDescriptor.Contract, plan.Descriptor);
        Assert.True(plan.ResizeOutput);
        var ab = RunAdapted(dir.File("m.onnx"), null, 0.6f, dir);
        Assert.Equal(60 * 0.6 - 30, ab.A, 3);
        Assert.Equal(-30, ab.B, 3);
    }

    [Fact]
    public void Prepare_returns_a_contract_model_as_is_and_caches_a_rewrite()
    {
        using var dir = new TempDir();
        var cache = new CacheStore(dir.File("cache"));
        string contract = FixtureModels.Plumbing(dir.File("p.onnx"));
        Assert.Equal(contract, ContractAdapter.Prepare(new ModelEntry(Manifest(), contract, false), cache));

        var entry = new ModelEntry(Manifest(), DescriptorFixtures.LabFromL(dir.File("l.onnx")), false);
        var built = new List<string>();
        string first = ContractAdapter.Prepare(entry, cache, built.Add);
        string second = ContractAdapter.Prepare(entry, cache, built.Add);
        Assert.Equal(first, second);
        Assert.Single(built);
        using var session = ChromaSession.OpenCpu(first);
        Assert.Equal("input", session.Signature.InputName);
    }

    [Fact]
    public void An_adapted_model_converts_to_fp16_and_still_computes_its_answer()
    {
        using var dir = new TempDir();
        var manifest = Manifest("gray-rgb255", "rgb255");
        string adapted = Adapt(DescriptorFixtures.RgbOut(dir.File("m.onnx"), 255), manifest, dir);
        Fp16Converter.ConvertFile(adapted, dir.File("m.fp16.onnx"));
        var fp32 = Run(adapted, 0.7f);
        var fp16 = Run(dir.File("m.fp16.onnx"), 0.7f);
        Assert.InRange(Math.Abs(fp32.A - fp16.A), 0, 0.5);
        Assert.InRange(Math.Abs(fp32.B - fp16.B), 0, 0.5);
    }

    private static string Adapt(string model, ModelManifest? manifest, TempDir dir)
    {
        var plan = ContractAdapter.Plan(model, manifest);
        string adapted = dir.File(Path.GetFileNameWithoutExtension(model) + ".contract.onnx");
        ContractAdapter.WriteFile(model, plan, adapted);
        return adapted;
    }

    private static (double A, double B) RunAdapted(string model, ModelManifest? manifest, float gray, TempDir dir) =>
        Run(Adapt(model, manifest, dir), gray);

    /// <summary>Runs a contract model on a flat 32x32 gray image and returns the ab of its centre pixel.</summary>
    private static (double A, double B) Run(string contractModel, float gray)
    {
        using var session = ChromaSession.OpenCpu(contractModel);
        const int s = 32, plane = s * s;
        var input = Enumerable.Repeat(gray, 3 * plane).ToArray();
        var output = new float[2 * plane];
        session.Run(input, 1, s, s, output);
        int centre = s / 2 * s + s / 2;
        return (output[centre], output[plane + centre]);
    }
}

/// <summary>sRGB -> Lab with OpenCV's constants, written out here so the adapter is checked against an independent copy.</summary>
internal static class LabRef
{
    private static double Lin(double v) => v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    private static double F(double t) => t > 0.008856 ? Math.Cbrt(t) : 7.787 * t + 16.0 / 116;

    public static (double L, double A, double B) FromSrgb(double r, double g, double b)
    {
        double lr = Lin(r), lg = Lin(g), lb = Lin(b);
        double x = (0.412453 * lr + 0.357580 * lg + 0.180423 * lb) / 0.950456;
        double y = 0.212671 * lr + 0.715160 * lg + 0.072169 * lb;
        double z = (0.019334 * lr + 0.119193 * lg + 0.950227 * lb) / 1.088754;
        double l = y > 0.008856 ? 116 * Math.Cbrt(y) - 16 : 903.3 * y;
        return (l, 500 * (F(x) - F(y)), 200 * (F(y) - F(z)));
    }
}

public class EmbeddedModelDescriptorTests
{
    [Fact]
    public void The_embedded_model_is_a_contract_model_and_runs_unrewritten()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "models", ModelStore.DefaultModelId + ".onnx");
        var plan = ContractAdapter.Plan(path, ModelManifest.Read(Path.ChangeExtension(path, ".json")));
        Assert.Equal(ModelDescriptor.Contract, plan.Descriptor);
        Assert.False(plan.NeedsRewrite, $"input {plan.Input.Shape}, output {plan.Output.Shape}");
    }
}
