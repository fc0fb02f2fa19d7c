using Microsoft.ML.OnnxRuntime;
using Onnx;
using PdnColorize.Calibration;

namespace PdnColorize.Calibration.Tests;

[Collection("calibration")]
public sealed class SoftmaxRewriteTests(CalibrationFixture fx)
{
    private static float[] Run(byte[] model, float[] x, int h, int w)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(x, new long[] { 1, 3, h, w });
        using var results = session.Run(new RunOptions(), new[] { "input" }, new[] { value }, new[] { "output" });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void Softmax_then_expectation_conv_is_rewritten_float_exactly()
    {
        var model = ActivationScanner.Load(fx.NormSoftmax);
        var rewritten = model.Clone();
        Assert.Equal(1, SoftmaxRewrite.Apply(rewritten));
        var ops = rewritten.Graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("Softmax", ops);
        Assert.Contains("Exp", ops);
        Assert.Contains("ReduceMax", ops);
        Assert.Equal(2, rewritten.Graph.Node.Single(n => n.Name == "output_Conv").Input.Count); // bias moved after the division

        var rng = new Random(2);
        var x = Enumerable.Range(0, 3 * 32 * 64).Select(_ => (float)rng.NextDouble()).ToArray();
        var before = Run(Google.Protobuf.MessageExtensions.ToByteArray(model), x, 32, 64);
        var after = Run(Google.Protobuf.MessageExtensions.ToByteArray(rewritten), x, 32, 64);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 1e-3f);
    }

    [Fact]
    public void Softmax_on_another_axis_or_read_elsewhere_is_left_alone()
    {
        var model = ActivationScanner.Load(fx.NormSoftmax);
        model.Graph.Node.Single(n => n.OpType == "Softmax").Attribute.Single(a => a.Name == "axis").I = -1;
        Assert.Equal(0, SoftmaxRewrite.Apply(model));

        var shared = ActivationScanner.Load(fx.NormSoftmax);
        shared.Graph.Output.Add(new ValueInfoProto { Name = "probs" });
        Assert.Equal(0, SoftmaxRewrite.Apply(shared));
    }
}
