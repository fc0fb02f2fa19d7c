using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Providers;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Engines.Tests;

public class ModelVerifierTests
{
    private static ModelEntry Entry(string model, string sha, int inputSize = 256, bool embedded = false) =>
        new(new ModelManifest { Id = "m", Name = "m", Sha256 = sha, InputSize = inputSize }, model, embedded);

    private static void FlipOneBit(string path, long at)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void A_matching_model_is_hashed_once_then_trusted_by_path_size_and_time()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        string sha = ModelFingerprint.Compute(model);
        var verifier = new ModelVerifier(dir.File("verdicts.txt"));

        verifier.Check(Entry(model, sha));
        Assert.True(verifier.Hashed);
        verifier.Check(Entry(model, sha));
        Assert.False(verifier.Hashed); // the recorded verdict

        // A new write time is a different file as far as the verdict goes: hashed again.
        File.SetLastWriteTimeUtc(model, File.GetLastWriteTimeUtc(model).AddMinutes(-5));
        verifier.Check(Entry(model, sha));
        Assert.True(verifier.Hashed);
    }

    [Fact]
    public void A_trusted_verdict_spares_the_cache_keys_a_second_read_of_the_model()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        string sha = ModelFingerprint.Compute(model);
        new ModelVerifier(dir.File("verdicts.txt")).Check(Entry(model, sha));

        ModelFingerprint.Forget(model); // as in the next process
        Assert.False(ModelFingerprint.IsKnown(model));
        var verifier = new ModelVerifier(dir.File("verdicts.txt"));
        verifier.Check(Entry(model, sha));
        Assert.False(verifier.Hashed);
        Assert.True(ModelFingerprint.IsKnown(model));
        Assert.Equal(sha, ModelFingerprint.Of(model));
    }

    [Theory]
    [InlineData(false, "pdncolorize-setup models remove m")]
    [InlineData(true, "pdncolorize-setup repair")]
    public void A_bit_flip_is_refused_naming_the_file_and_the_repair(bool embedded, string repair)
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        string sha = ModelFingerprint.Compute(model);
        var verifier = new ModelVerifier(dir.File("verdicts.txt"));
        verifier.Check(Entry(model, sha, embedded: embedded)); // trusted once...

        FlipOneBit(model, new FileInfo(model).Length / 2); // ...then damaged (write time changes with the write)
        File.SetLastWriteTimeUtc(model, DateTime.UtcNow.AddSeconds(7));
        var e = Assert.Throws<ModelContractException>(() => verifier.Check(Entry(model, sha, embedded: embedded)));
        Assert.Contains(model, e.Message);
        Assert.Contains("damaged", e.Message);
        Assert.Contains(repair, e.Message);
    }

    [Fact]
    public void A_model_without_a_manifest_hash_is_not_hashed()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var verifier = new ModelVerifier(dir.File("verdicts.txt"));
        verifier.Check(Entry(model, ""));
        Assert.False(verifier.Hashed);
    }

    [Theory]
    [InlineData(99999)]
    [InlineData(0)]
    [InlineData(-256)]
    public void A_manifest_input_size_outside_what_a_model_runs_at_is_a_model_problem(int size)
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        var e = Assert.Throws<ModelContractException>(() => new ModelVerifier(null).Check(Entry(model, "", size)));
        Assert.Contains($"input_size {size}", e.Message);
    }

    [Fact]
    public void An_unwritable_verdict_file_costs_only_a_rehash()
    {
        using var dir = new TempDir();
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        File.WriteAllText(dir.File("blocker"), "a file where the cache folder should be");
        var verifier = new ModelVerifier(Path.Combine(dir.File("blocker"), "verdicts.txt"));
        verifier.Check(Entry(model, ModelFingerprint.Compute(model)));
        verifier.Check(Entry(model, ModelFingerprint.Compute(model)));
        Assert.True(verifier.Hashed);
    }

    [Fact]
    public void A_bit_flipped_int8_calibration_is_refused_before_use()
    {
        using var dir = new TempDir();
        var variants = new ModelVariants(new CacheStore(dir.File("cache")));
        string model = FixtureModels.Plumbing(dir.File("m.onnx"));
        string calibration = dir.File("cal");
        Directory.CreateDirectory(calibration);
        string qdq = Path.Combine(calibration, CalibrationFiles.QdqModel);
        File.Copy(model, qdq); // stands in for a QDQ model: only its bytes matter here
        CacheStore.WriteChecksum(qdq);
        Assert.Equal(qdq, variants.PathFor(model, Precision.Int8, ProviderKind.Cpu, calibration));

        FlipOneBit(qdq, 100);
        var e = Assert.Throws<CalibrationMissingException>(() => variants.PathFor(model, Precision.Int8, ProviderKind.Cpu, calibration));
        Assert.Contains("damaged", e.Message);
        Assert.Contains("pdncolorize calibrate", e.Message);
    }
}
