using PdnColorize.Engines;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class ModelContractTests
{
    [Fact]
    public void A_dynamic_contract_model_loads_and_reports_its_signature()
    {
        using var dir = new TempDir();
        using var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx")));
        Assert.Equal(new ModelSignature("input", "output", null, null), session.Signature);
        Assert.True(session.Signature.DynamicSize);
        Assert.Equal("CPU", session.ExecutionProvider);
    }

    [Fact]
    public void A_fixed_size_model_reports_its_size_and_batch()
    {
        using var dir = new TempDir();
        using var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx"), fixedSize: 64, fixedBatch: 1));
        Assert.Equal(64, session.Signature.FixedSize);
        Assert.Equal(1, session.Signature.FixedBatch);
        Assert.Equal(64, session.Signature.ResolveSize(512));
    }

    [Theory]
    [InlineData("channels-out", "[?,3,?,?]")]
    [InlineData("channels-in", "[?,2,?,?]")]
    [InlineData("odd-size", "not a multiple of 32")]
    public void Models_off_contract_are_refused_with_what_was_expected_and_found(string kind, string found)
    {
        using var dir = new TempDir();
        string path = kind switch
        {
            "channels-out" => FixtureModels.WrongOutputChannels(dir.File("m.onnx")),
            "channels-in" => FixtureModels.WrongInputChannels(dir.File("m.onnx")),
            _ => FixtureModels.OddFixedSize(dir.File("m.onnx")),
        };
        var e = Assert.Throws<ModelContractException>(() => ChromaSession.OpenCpu(path));
        Assert.Contains("Expected one float32 input [N,3,S,S]", e.Message);
        Assert.Contains(found, e.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_a_model_problem()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("junk.onnx"), "this is not a protobuf model"u8.ToArray());
        var e = Assert.Throws<ModelContractException>(() => ChromaSession.OpenCpu(dir.File("junk.onnx")));
        Assert.Contains("junk.onnx", e.Message);
        Assert.Throws<ModelContractException>(() => ChromaSession.OpenCpu(dir.File("missing.onnx")));
    }

    [Fact]
    public void Run_computes_the_model_and_checks_buffer_sizes()
    {
        using var dir = new TempDir();
        using var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx")));
        const int h = 32, w = 64;
        var input = new float[2 * 3 * h * w];
        for (int i = 0; i < input.Length; i++) input[i] = (i % 7) / 6f;
        var output = new float[2 * 2 * h * w];
        session.Run(input, 2, h, w, output);
        int plane = h * w;
        for (int n = 0; n < 2; n++)
        for (int i = 0; i < plane; i += 97)
        {
            float g = input[n * 3 * plane + i]; // three equal channels are not required by the fixture: use the mean
            float mean = (input[n * 3 * plane + i] + input[n * 3 * plane + plane + i] + input[n * 3 * plane + 2 * plane + i]) / 3;
            Assert.Equal(60 * mean - 30, output[n * 2 * plane + i], 3);
            Assert.Equal(20 - 40 * mean, output[n * 2 * plane + plane + i], 3);
            _ = g;
        }
        Assert.Throws<ArgumentException>(() => session.Run(new float[10], 1, h, w, output));
    }

    [Fact]
    public void A_fixed_size_model_refuses_another_size()
    {
        using var dir = new TempDir();
        using var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx"), fixedSize: 32, fixedBatch: 1));
        Assert.Throws<ArgumentException>(() => session.Run(new float[3 * 64 * 64], 1, 64, 64, new float[2 * 64 * 64]));
    }

    [Fact]
    public void A_cancelled_token_stops_the_run()
    {
        using var dir = new TempDir();
        using var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx")));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run(new float[3 * 32 * 32], 1, 32, 32, new float[2 * 32 * 32], cts.Token));
    }

    [Fact]
    public void Disposed_sessions_refuse_to_run()
    {
        using var dir = new TempDir();
        var session = ChromaSession.OpenCpu(FixtureModels.Plumbing(dir.File("m.onnx")));
        session.Dispose();
        session.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => session.Run(new float[3 * 32 * 32], 1, 32, 32, new float[2 * 32 * 32]));
    }
}
