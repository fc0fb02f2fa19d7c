using PdnColorize.Engines;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class ModelStoreTests
{
    private static ModelManifest Manifest(string id, string sha = "") => new() { Id = id, Name = id + " name", InputSize = 256, DynamicSize = true, Sha256 = sha };

    private static void Install(string dir, string id, bool withManifest = true, string? sha = null)
    {
        Directory.CreateDirectory(dir);
        string onnx = FixtureModels.Plumbing(Path.Combine(dir, id + ".onnx"));
        if (withManifest)
            File.WriteAllText(Path.Combine(dir, id + ".json"), Manifest(id, sha ?? ModelFingerprint.Compute(onnx)).ToJson());
    }

    [Fact]
    public void Lists_embedded_first_with_the_default_model_at_the_top()
    {
        using var dir = new TempDir();
        Install(dir.File("emb"), "aaa-other");
        Install(dir.File("emb"), ModelStore.DefaultModelId);
        Install(dir.File("user"), "ddcolor-tiny");
        Install(dir.File("user"), "no-manifest", withManifest: false);
        var store = new ModelStore(dir.File("emb"), dir.File("user"));
        var ids = store.List().Select(e => e.Manifest.Id).ToArray();
        Assert.Equal(new[] { ModelStore.DefaultModelId, "aaa-other", "ddcolor-tiny" }, ids);
        Assert.True(store.List()[0].Embedded);
        Assert.False(store.List()[2].Embedded);
    }

    [Fact]
    public void Resolves_default_by_id_and_by_path()
    {
        using var dir = new TempDir();
        Install(dir.File("emb"), ModelStore.DefaultModelId);
        Install(dir.File("user"), "ddcolor-tiny");
        var store = new ModelStore(dir.File("emb"), dir.File("user"));
        Assert.Equal(ModelStore.DefaultModelId, store.Resolve(null).Manifest.Id);
        Assert.Equal("ddcolor-tiny", store.Resolve("DDColor-Tiny").Manifest.Id);
        string loose = FixtureModels.Plumbing(dir.File("loose.onnx"));
        var entry = store.Resolve(loose);
        Assert.Equal("loose", entry.Manifest.Id);
        Assert.Equal(loose, entry.ModelPath);
    }

    [Fact]
    public void Missing_models_give_clear_messages()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.File("emb"), null);
        Assert.Contains("embedded model", Assert.Throws<ModelContractException>(() => store.Resolve(null)).Message);
        Assert.Contains("No model with id", Assert.Throws<ModelContractException>(() => store.Resolve("nope")).Message);
        Assert.Contains("not found", Assert.Throws<ModelContractException>(() => store.Resolve(dir.File("gone.onnx"))).Message);
    }

    [Fact]
    public void Verify_compares_file_hashes_with_manifests()
    {
        using var dir = new TempDir();
        Install(dir.File("emb"), "good");
        Install(dir.File("emb"), "bad", sha: new string('0', 64));
        var results = new ModelStore(dir.File("emb"), null).Verify().ToDictionary(r => r.Entry.Manifest.Id);
        Assert.True(results["good"].Ok);
        Assert.False(results["bad"].Ok);
        Assert.Contains("differs", results["bad"].Detail);
    }

    [Fact]
    public void A_broken_manifest_is_skipped_in_listing_and_reported_on_read()
    {
        using var dir = new TempDir();
        Install(dir.File("emb"), "x");
        File.WriteAllText(dir.File("emb/x.json"), "{ not json");
        Assert.Empty(new ModelStore(dir.File("emb"), null).List());
        Assert.Throws<ModelContractException>(() => ModelManifest.Read(dir.File("emb/x.json")));
    }

    [Fact]
    public void Session_cache_reuses_one_session_per_model_content()
    {
        using var dir = new TempDir();
        using var cache = new SessionCache();
        string a = FixtureModels.Plumbing(dir.File("a.onnx"));
        string b = FixtureModels.Plumbing(dir.File("b.onnx"), aScale: 10);
        var s1 = cache.GetCpu(a);
        Assert.Same(s1, cache.GetCpu(a));
        Assert.NotSame(s1, cache.GetCpu(b));
        Assert.Equal(2, cache.Count);
        Assert.Throws<ModelContractException>(() => cache.GetCpu(FixtureModels.WrongOutputChannels(dir.File("c.onnx"))));
        Assert.Equal(2, cache.Count); // failures are not cached
    }

    [Fact]
    public void Doctor_probe_always_offers_the_cpu_and_explains_the_rest()
    {
        var providers = EngineInfo.ProbeProviders();
        Assert.Contains(providers, p => p.Name == "CPU" && p.Usable);
        Assert.All(providers.Where(p => !p.Usable), p => Assert.False(string.IsNullOrWhiteSpace(p.Detail)));
        Assert.Matches(@"^\d+\.\d+", EngineInfo.OrtVersion);
    }

    [Fact]
    public void A_manifest_that_leaves_fields_out_reads_their_defaults_and_writes_them_back()
    {
        // Source-generated JSON (what a trimmed publish runs) must not turn a missing input_size into 0.
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "m.json");
        File.WriteAllText(path, """{ "id": "m", "name": "M" }""");
        var read = ModelManifest.Read(path);
        Assert.Equal(256, read.InputSize);
        Assert.Equal("", read.License);
        Assert.Equal("", read.Notes);
        Assert.Null(read.Input);
        File.WriteAllText(path, read.ToJson());
        Assert.Equal(read with { RecommendedSizes = null }, ModelManifest.Read(path) with { RecommendedSizes = null });
        Assert.Contains("\"input_size\": 256", read.ToJson());
    }
}
