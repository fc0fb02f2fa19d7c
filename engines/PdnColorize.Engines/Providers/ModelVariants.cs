using PdnColorize.Engines.Caching;
using PdnColorize.Engines.Conversion;

namespace PdnColorize.Engines.Providers;

/// <summary>Where an INT8 calibration lives: the output folder of `pdncolorize calibrate`.</summary>
public static class CalibrationFiles
{
    /// <summary>ONNX Runtime's TensorRT calibration table (flatbuffers).</summary>
    public const string TensorRtTable = "calibration.flatbuffers";

    /// <summary>The QDQ INT8 model for the CPU and CUDA providers.</summary>
    public const string QdqModel = "model.int8.qdq.onnx";

    public const string Report = "report.json";

    /// <summary>The default calibration folder of a model: in the cache, keyed by the model's SHA-256.</summary>
    public static string DefaultDirectory(CacheStore cache, string modelSha256) =>
        Path.Combine(cache.Root, "calibration-" + modelSha256[..24]);
}

/// <summary>
/// Picks the model file a provider runs at a precision: TensorRT always takes the FP32 model and its own flags;
/// CUDA and CPU take our FP16 conversion (cached) or the calibrated QDQ model.
/// </summary>
public sealed class ModelVariants(CacheStore cache, Action<string>? log = null)
{
    public CacheStore Cache { get; } = cache;

    public string PathFor(string modelPath, Precision precision, ProviderKind provider, string? calibrationDirectory = null)
    {
        if (provider == ProviderKind.TensorRt || precision == Precision.Fp32) return modelPath;
        string sha = ModelFingerprint.Of(modelPath);
        if (precision == Precision.Fp16)
        {
            var key = new CacheKey(sha, "model", "fp16", Fp16Converter.Version, Caching.Versions.Ort);
            try
            {
                return Cache.GetOrBuild(key, "model.fp16.onnx", temp =>
                {
                    log?.Invoke($"converting {Path.GetFileName(modelPath)} to FP16 (once; cached)");
                    Fp16Converter.ConvertFile(modelPath, temp);
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a device problem: the conversion works, only keeping it does not.
                return ConvertForThisRun(modelPath, e);
            }
        }
        // INT8
        string dir = calibrationDirectory ?? CalibrationFiles.DefaultDirectory(Cache, sha);
        string qdq = Path.Combine(dir, CalibrationFiles.QdqModel);
        if (!File.Exists(qdq))
            throw new CalibrationMissingException(
                $"INT8 needs a calibration of this model and none was found in {dir}. Make one with: " +
                $"pdncolorize calibrate \"{modelPath}\" <folder of representative photos>");
        RequireIntact(qdq, modelPath);
        return qdq;
    }

    /// <summary>A calibration file whose bytes no longer match the checksum calibrate wrote would run with wrong ranges.</summary>
    private static void RequireIntact(string file, string modelPath)
    {
        if (!CacheStore.IsIntactOrUnchecked(file))
            throw new CalibrationMissingException(
                $"the INT8 calibration file {file} is damaged: its bytes differ from its checksum. Make it again with: " +
                $"pdncolorize calibrate \"{modelPath}\" <folder of representative photos> --force");
    }

    /// <summary>
    /// The FP16 conversion when the cache cannot be written (read-only, a file where its folder should be, an entry
    /// replaced by a folder): converted again into the system's temporary folder, deleted when the process ends.
    /// </summary>
    private string ConvertForThisRun(string modelPath, Exception why)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pdncolorize-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.fp16.onnx");
        log?.Invoke($"the cache folder {Cache.Root} cannot be written ({why.Message}); converting {Path.GetFileName(modelPath)} " +
                    "to FP16 for this run only (not kept: set PDNCOLORIZE_CACHE to a writable folder to keep it)");
        Fp16Converter.ConvertFile(modelPath, path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { } };
        return path;
    }

    /// <summary>The TensorRT table, copied into the engine cache folder where TensorRT looks for it.</summary>
    public string StageTensorRtTable(string modelPath, string engineDirectory, string? calibrationDirectory)
    {
        string sha = ModelFingerprint.Of(modelPath);
        string dir = calibrationDirectory ?? CalibrationFiles.DefaultDirectory(Cache, sha);
        string table = Path.Combine(dir, CalibrationFiles.TensorRtTable);
        if (!File.Exists(table))
            throw new CalibrationMissingException(
                $"TensorRT INT8 needs a calibration table and none was found in {dir}. Make one with: " +
                $"pdncolorize calibrate \"{modelPath}\" <folder of representative photos>");
        RequireIntact(table, modelPath);
        File.Copy(table, Path.Combine(engineDirectory, CalibrationFiles.TensorRtTable), overwrite: true);
        return CalibrationFiles.TensorRtTable;
    }
}

/// <summary>INT8 was asked for but the model has not been calibrated.</summary>
public sealed class CalibrationMissingException(string message) : Exception(message);
