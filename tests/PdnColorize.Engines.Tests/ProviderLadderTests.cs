using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class ProviderLadderTests
{
    private static readonly string[] AllCompiled = { "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider" };

    [Fact]
    public void Auto_climbs_TensorRT_then_CUDA_then_CPU_and_says_why_each_was_skipped()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var tried = new List<ProviderKind>();
        using var sessions = new SessionCache();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), sessions: sessions, compiledProviders: () => AllCompiled,
            open: (kind, req, settings) =>
            {
                tried.Add(kind);
                return kind switch
                {
                    ProviderKind.TensorRt => throw new DllNotFoundException("Unable to load libonnxruntime_providers_tensorrt.so: libnvinfer.so.10: cannot open shared object file"),
                    ProviderKind.Cuda => throw new InvalidOperationException("CUDA failure 100: no CUDA-capable device is detected"),
                    _ => sessions.Get(req.ModelPath, kind, settings),
                };
            });
        var engine = factory.Open(new EngineRequest { ModelPath = model });
        Assert.Equal(new[] { ProviderKind.TensorRt, ProviderKind.Cuda, ProviderKind.Cpu }, tried);
        Assert.Equal(ProviderKind.Cpu, engine.Provider);
        Assert.Equal(Precision.Fp32, engine.Precision); // Auto on the CPU
        Assert.Contains("TensorRT skipped: TensorRT 10 libraries not found", engine.Summary);
        Assert.Contains("CUDA skipped: no NVIDIA driver or no NVIDIA GPU", engine.Summary);
    }

    [Fact]
    public void Providers_missing_from_the_ORT_build_are_skipped_without_trying()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var tried = new List<ProviderKind>();
        using var sessions = new SessionCache();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), sessions: sessions, compiledProviders: () => new[] { "CPUExecutionProvider" },
            open: (kind, req, settings) => { tried.Add(kind); return sessions.Get(req.ModelPath, kind, settings); });
        var engine = factory.Open(new EngineRequest { ModelPath = model });
        Assert.Equal(new[] { ProviderKind.Cpu }, tried);
        Assert.Equal(2, engine.Attempts.Count(a => !a.Succeeded));
        Assert.All(engine.Attempts.Where(a => !a.Succeeded), a => Assert.Contains("install the GPU runtime", a.Detail));
    }

    [Fact]
    public void Asking_for_CUDA_alone_fails_clearly_when_it_cannot_start()
    {
        using var dir = new TempDir();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), compiledProviders: () => new[] { "CPUExecutionProvider" });
        var e = Assert.Throws<ProviderUnavailableException>(() =>
            factory.Open(new EngineRequest { ModelPath = FixtureModels.Plumbing(dir.File("m.onnx")), Device = DeviceRequest.Cuda }));
        Assert.Contains("CUDA", e.Message);
        Assert.Single(e.Attempts);
    }

    [Fact]
    public void A_broken_model_is_a_model_problem_not_a_provider_problem()
    {
        using var dir = new TempDir();
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), compiledProviders: () => new[] { "CPUExecutionProvider" });
        Assert.Throws<ModelContractException>(() =>
            factory.Open(new EngineRequest { ModelPath = FixtureModels.WrongOutputChannels(dir.File("m.onnx")), Device = DeviceRequest.Cpu }));
    }

    [Theory]
    [InlineData(Precision.Auto, ProviderKind.Cuda, Precision.Fp16)]
    [InlineData(Precision.Auto, ProviderKind.TensorRt, Precision.Fp16)]
    [InlineData(Precision.Auto, ProviderKind.Cpu, Precision.Fp32)]
    [InlineData(Precision.Int8, ProviderKind.Cpu, Precision.Int8)]
    public void Auto_precision_depends_on_the_provider(Precision asked, ProviderKind provider, Precision expected) =>
        Assert.Equal(expected, asked.Resolve(provider));

    [Theory]
    [InlineData("libcudnn.so.9: cannot open shared object file", "cuDNN 9")]
    [InlineData("libcublasLt.so.13: cannot open", "CUDA 13 runtime")]
    [InlineData("CUDA failure 2: out of memory", "not enough GPU memory")]
    public void Provider_failures_are_explained(string message, string expected) =>
        Assert.Contains(expected, ProviderFailure.Explain(ProviderKind.Cuda, new Exception(message)));

    [Fact]
    public void TensorRTs_bare_load_failure_is_explained_as_the_missing_TensorRT_libraries()
    {
        // What doctor saw on the H200 machine (CUDA present, TensorRT absent): the bridge names libnvinfer only in its log.
        var bare = new Exception("[ErrorCode:Fail] OrtSessionOptionsAppendExecutionProvider_TensorRT: Failed to load shared library");
        Assert.Contains("TensorRT 10 libraries not found", ProviderFailure.Explain(ProviderKind.TensorRt, bare));
        Assert.DoesNotContain("TensorRT", ProviderFailure.Explain(ProviderKind.Cuda, new Exception("Failed to load shared library libfoo")));
    }
}

public class ProviderOptionTests
{
    [Fact]
    public void Cuda_options_save_memory_and_honour_the_budget()
    {
        var o = CudaOptionSet.Build(new ProviderSettings { Precision = Precision.Fp16, GpuMemLimitBytes = 2L << 30, DeviceId = 1 });
        Assert.False(o.ContainsKey("arena_extend_strategy")); // ORT's default measured lower (docs/performance.md)
        Assert.Equal("0", o["cudnn_conv_use_max_workspace"]);
        Assert.Equal("HEURISTIC", o["cudnn_conv_algo_search"]);
        Assert.Equal(((2L << 30) - CudaOptionSet.ContextReserveBytes).ToString(), o["gpu_mem_limit"]); // context outside the arena
        Assert.Equal((256L << 20).ToString(), CudaOptionSet.Build(new ProviderSettings { GpuMemLimitBytes = 512L << 20 })["gpu_mem_limit"]);
        Assert.Equal("1", o["device_id"]);
        Assert.False(o.ContainsKey("prefer_nhwc")); // measured slower for ConvNeXt (docs/performance.md)
        Assert.False(CudaOptionSet.Build(new ProviderSettings()).ContainsKey("gpu_mem_limit"));
        var overridden = CudaOptionSet.Build(new ProviderSettings { CudaOverrides = new Dictionary<string, string> { ["cudnn_conv_algo_search"] = "EXHAUSTIVE" } });
        Assert.Equal("EXHAUSTIVE", overridden["cudnn_conv_algo_search"]);
    }

    [Fact]
    public void Cuda_graphs_are_on_by_default_off_when_asked_and_never_under_TensorRT()
    {
        var plain = new ProviderSettings();
        Assert.True(plain.CudaGraphs);
        Assert.Equal("1", CudaOptionSet.Build(plain)["enable_cuda_graph"]);
        var off = new ProviderSettings { CudaOverrides = new Dictionary<string, string> { ["enable_cuda_graph"] = "0" } };
        Assert.False(off.CudaGraphs);
        Assert.Equal("0", CudaOptionSet.Build(off)["enable_cuda_graph"]);
        // TensorRT's CUDA fallback: ORT refuses a graph over nodes that are not all the CUDA provider's.
        var asked = new ProviderSettings { CudaOverrides = new Dictionary<string, string> { ["enable_cuda_graph"] = "1" } };
        Assert.Equal("0", CudaOptionSet.Build(asked, graphs: false)["enable_cuda_graph"]);
        Assert.Equal("0", CudaOptionSet.Build(plain, graphs: false)["enable_cuda_graph"]);
    }

    [Fact]
    public void A_model_ORT_refused_CUDA_graphs_is_opened_without_them_next_time()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var asked = new List<bool>();
        var request = new EngineRequest { ModelPath = model, Precision = Precision.Fp32, Device = DeviceRequest.Cuda };
        EngineFactory Factory(SessionCache sessions) => new(new CacheStore(dir.File("cache")), null, sessions, () => new[] { "CUDAExecutionProvider", "CPUExecutionProvider" },
            open: (kind, req, settings) =>
            {
                asked.Add(settings.CudaGraphs);
                return ChromaSession.OpenFaulty(req.ModelPath, kind, settings.Precision, () => null,
                    settings.CudaGraphs ? "nodes left to the CPU" : null);
            });
        using (var sessions = new SessionCache()) Assert.Equal(ProviderKind.Cuda, Factory(sessions).Open(request).Provider);
        using (var sessions = new SessionCache()) Factory(sessions).Open(request); // another process, same cache
        Assert.Equal([true, false], asked);
        Assert.True(File.Exists(dir.File("cache/cuda-graph-refusals.json")));
    }

    [Fact]
    public void A_shape_gets_a_graph_from_its_second_run_up_to_the_cap()
    {
        var admission = new PdnColorize.Engines.Gpu.GraphAdmission();
        Assert.Null(admission.Admit((8, 512, 512)));   // first sight: a plain run
        Assert.Null(admission.Admit((1, 160, 256)));   // a lone global pass never captures
        Assert.Equal(0, admission.Admit((8, 512, 512)));
        for (int i = 1; i < PdnColorize.Engines.Gpu.GraphAdmission.MaxGraphs; i++)
        {
            Assert.Null(admission.Admit((i, 64, 64)));
            Assert.Equal(i, admission.Admit((i, 64, 64)));
        }
        Assert.Null(admission.Admit((9, 64, 64)));
        Assert.Null(admission.Admit((9, 64, 64)));      // over the cap: plain runs from now on
        Assert.Null(admission.Admit((1, 160, 256)));
    }

    [Fact]
    public void TensorRT_options_per_precision_with_caches_and_profile()
    {
        var shapes = new ProviderSettings
        {
            EngineCacheDirectory = "/cache/trt", MinShape = new RunShape(1, 256, 256), OptShape = new RunShape(4, 512, 512), MaxShape = new RunShape(8, 512, 512),
        };
        var fp32 = TensorRtOptionSet.Build(shapes with { Precision = Precision.Fp32 }, "input");
        Assert.Equal("0", fp32["trt_fp16_enable"]);
        Assert.Equal("0", fp32["trt_int8_enable"]);
        Assert.Equal("/cache/trt", fp32["trt_engine_cache_path"]);
        Assert.Equal("1", fp32["trt_timing_cache_enable"]);
        Assert.Equal("input:1x3x256x256", fp32["trt_profile_min_shapes"]);
        Assert.Equal("input:4x3x512x512", fp32["trt_profile_opt_shapes"]);
        Assert.Equal("input:8x3x512x512", fp32["trt_profile_max_shapes"]);

        var fp16 = TensorRtOptionSet.Build(shapes with { Precision = Precision.Fp16 }, "input");
        Assert.Equal("1", fp16["trt_fp16_enable"]);

        var int8 = TensorRtOptionSet.Build(shapes with { Precision = Precision.Int8, Int8CalibrationTable = "calibration.flatbuffers" }, "input");
        Assert.Equal("1", int8["trt_int8_enable"]);
        Assert.Equal("1", int8["trt_fp16_enable"]); // layers INT8 cannot take run in FP16, not FP32
        Assert.Equal("calibration.flatbuffers", int8["trt_int8_calibration_table_name"]);
        Assert.Equal("0", int8["trt_int8_use_native_calibration_table"]);

        var e = Assert.Throws<InvalidOperationException>(() => TensorRtOptionSet.Build(shapes with { Precision = Precision.Int8 }, "input"));
        Assert.Contains("pdncolorize calibrate", e.Message);
    }

    [Fact]
    public void Without_GPU_libraries_appending_a_GPU_provider_throws_and_leaves_nothing_behind()
    {
        // This machine's ORT build is CPU-only: the constructor or the append throws, the ladder catches it.
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
        Assert.ThrowsAny<Exception>(() => ProviderConfigurator.Append(options, ProviderKind.Cuda, new ProviderSettings(), "input"));
        Assert.ThrowsAny<Exception>(() => ProviderConfigurator.Append(options, ProviderKind.TensorRt, new ProviderSettings(), "input"));
    }
}

public class GpuOutOfMemoryTests
{
    private const string ArenaMessage = "[ErrorCode:Fail] Non-zero status code returned while running Softmax node. Status Message: bfc_arena.cc:360 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool) Failed to allocate memory for requested buffer of size 134217728";

    private static readonly string[] AllCompiled = { "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider" };

    private static EngineFactory Factory(TempDir dir, SessionCache sessions, List<ProviderKind> opened, Func<Exception?> gpuFault) =>
        new(new CacheStore(dir.File("cache")), sessions: sessions, compiledProviders: () => AllCompiled,
            open: (kind, req, settings) =>
            {
                opened.Add(kind);
                return kind switch
                {
                    ProviderKind.TensorRt => throw new DllNotFoundException("libnvinfer.so.10: cannot open shared object file"),
                    ProviderKind.Cuda => ChromaSession.OpenFaulty(req.ModelPath, ProviderKind.Cuda, settings.Precision, gpuFault),
                    _ => sessions.Get(req.ModelPath, kind, settings),
                };
            });

    [Fact]
    public void A_run_that_exhausts_GPU_memory_is_finished_on_the_CPU_and_says_so()
    {
        using var dir = new TempDir();
        using var sessions = new SessionCache();
        var opened = new List<ProviderKind>();
        var log = new List<string>();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), log.Add, sessions, () => AllCompiled,
            (kind, req, settings) =>
            {
                opened.Add(kind);
                return kind == ProviderKind.Cuda
                    ? ChromaSession.OpenFaulty(req.ModelPath, ProviderKind.Cuda, Precision.Fp32, () => new InvalidOperationException(ArenaMessage))
                    : sessions.Get(req.ModelPath, kind, settings);
            });
        var engine = factory.Open(new EngineRequest { ModelPath = model, Device = DeviceRequest.Cuda, Precision = Precision.Fp32 });
        Assert.Equal(ProviderKind.Cuda, engine.Provider);

        var input = new float[3 * 64 * 64];
        Array.Fill(input, 0.5f);
        var output = new float[2 * 64 * 64];
        engine.Run(input, 1, 64, 64, output);

        Assert.Equal(ProviderKind.Cpu, engine.Provider);
        Assert.Equal([ProviderKind.Cuda, ProviderKind.Cpu], opened);
        Assert.Contains(log, m => m.Contains("ran out of memory") && m.Contains("CPU"));
        var reference = new float[output.Length];
        ChromaSession.OpenCpu(model).Run(input, 1, 64, 64, reference);
        Assert.Equal(reference, output);
    }

    [Fact]
    public void A_run_that_fits_once_the_arena_is_released_stays_on_the_GPU()
    {
        using var dir = new TempDir();
        using var sessions = new SessionCache();
        var opened = new List<ProviderKind>();
        int calls = 0;
        var factory = Factory(dir, sessions, opened, () => ++calls == 1 ? new InvalidOperationException(ArenaMessage) : null);
        var engine = factory.Open(new EngineRequest { ModelPath = FixtureModels.Plumbing(dir.File("m.onnx")) });
        engine.Run(new float[3 * 32 * 32], 1, 32, 32, new float[2 * 32 * 32]);
        Assert.Equal(ProviderKind.Cuda, engine.Provider);
        Assert.Equal(2, calls);
        Assert.DoesNotContain(ProviderKind.Cpu, opened);
    }

    [Fact]
    public void Other_GPU_failures_are_not_hidden_behind_the_CPU()
    {
        using var dir = new TempDir();
        using var sessions = new SessionCache();
        var opened = new List<ProviderKind>();
        var factory = Factory(dir, sessions, opened, () => new InvalidOperationException("CUDA error cudaErrorIllegalAddress: an illegal memory access was encountered"));
        var engine = factory.Open(new EngineRequest { ModelPath = FixtureModels.Plumbing(dir.File("m.onnx")) });
        Assert.Equal(ProviderKind.Cuda, engine.Provider);
        Assert.Throws<InvalidOperationException>(() => engine.Run(new float[3 * 32 * 32], 1, 32, 32, new float[2 * 32 * 32]));
        Assert.DoesNotContain(ProviderKind.Cpu, opened);
    }

    [Theory]
    [InlineData(ArenaMessage, true)]
    [InlineData("CUDNN_STATUS_ALLOC_FAILED", true)]
    [InlineData("CUDA failure 2: out of memory", true)]
    [InlineData("Non-zero status code returned while running Conv node: CUDNN_STATUS_BAD_PARAM", false)]
    public void Out_of_memory_is_recognised_by_the_providers_texts(string message, bool oom) =>
        Assert.Equal(oom, GpuErrors.IsOutOfMemory(new InvalidOperationException(message)));
}

public class TensorRtProfileTests
{
    [Fact]
    public void A_dynamic_model_gets_one_profile_from_the_smallest_global_pass_to_the_largest_tile_batch()
    {
        var (min, opt, max) = TensorRtProfile.Covering(256, null, null);
        Assert.Equal(new RunShape(1, 32, 32), min);
        Assert.Equal(new RunShape(1, 256, 256), opt);
        Assert.Equal(new RunShape(TensorRtProfile.MaxBatch, 512, 512), max); // the planner's 2S tiles at its largest batch
    }

    [Fact]
    public void Fixed_dimensions_are_kept()
    {
        Assert.Equal((new RunShape(1, 512, 512), new RunShape(1, 512, 512), new RunShape(8, 512, 512)), TensorRtProfile.Covering(256, null, 512));
        Assert.Equal((new RunShape(1, 32, 32), new RunShape(1, 256, 256), new RunShape(1, 512, 512)), TensorRtProfile.Covering(256, 1, null));
    }

    [Fact]
    public void The_fixed_dimensions_are_read_from_the_model_file()
    {
        using var dir = new TempDir();
        Assert.Equal((1, 64), TensorRtProfile.FixedDimensions(FixtureModels.Plumbing(dir.File("fixed.onnx"), fixedSize: 64, fixedBatch: 1)));
        Assert.Equal(((int?)null, (int?)null), TensorRtProfile.FixedDimensions(FixtureModels.Plumbing(dir.File("free.onnx"))));
    }

    [Fact]
    public void The_TensorRT_rung_is_opened_with_the_covering_profile()
    {
        using var dir = new TempDir();
        using var sessions = new SessionCache();
        ProviderSettings? seen = null;
        var factory = new EngineFactory(new CacheStore(dir.File("cache")), sessions: sessions,
            compiledProviders: () => ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"],
            open: (kind, req, settings) =>
            {
                if (kind == ProviderKind.TensorRt) { seen = settings; throw new DllNotFoundException("libnvinfer.so.10: cannot open shared object file"); }
                if (kind == ProviderKind.Cuda) throw new InvalidOperationException("no CUDA-capable device is detected");
                return sessions.Get(req.ModelPath, kind, settings);
            });
        factory.Open(new EngineRequest { ModelPath = FixtureModels.Plumbing(dir.File("m.onnx")), PreferredSize = 512 });
        Assert.Equal((new RunShape(1, 32, 32), new RunShape(1, 512, 512), new RunShape(8, 1024, 1024)), (seen!.MinShape!.Value, seen.OptShape!.Value, seen.MaxShape!.Value));
        Assert.Contains("trt_profile_max_shapes", TensorRtOptionSet.Build(seen, "input").Keys);
        Assert.Equal("input:8x3x1024x1024", TensorRtOptionSet.Build(seen, "input")["trt_profile_max_shapes"]);
    }
}
