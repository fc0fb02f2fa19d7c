using System.Text.Json;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// Remembers (model, precision, provider) combinations that produced NaN or infinity, so later runs go straight to
/// FP32 instead of failing and rerunning every time. Stored as a small JSON list in the cache folder.
/// </summary>
public sealed class UnsafePrecisions(string file)
{
    private readonly object _gate = new();

    public static string Key(string modelSha, Precision precision, ProviderKind provider) => $"{modelSha}|{precision}|{provider}";

    private readonly HashSet<string> _thisRun = [];

    public bool IsUnsafe(string modelSha, Precision precision, ProviderKind provider)
    {
        lock (_gate) return Load().Contains(Key(modelSha, precision, provider));
    }

    public void MarkUnsafe(string modelSha, Precision precision, ProviderKind provider)
    {
        lock (_gate)
        {
            var set = Load();
            string key = Key(modelSha, precision, provider);
            _thisRun.Add(key);
            if (!set.Add(key)) return;
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                string temp = file + "." + Environment.ProcessId + ".tmp";
                File.WriteAllText(temp, JsonSerializer.Serialize(set.Order().ToArray(), EnginesJson.Default.StringArray));
                File.Move(temp, file, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unwritable cache: remembered for this run only (a later run pays one more NaN rerun).
            }
        }
    }

    private HashSet<string> Load()
    {
        try
        {
            var set = File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), EnginesJson.Default.HashSetString) ?? new() : new();
            set.UnionWith(_thisRun);
            return set;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return new(_thisRun); // a damaged list only costs one more NaN rerun
        }
    }
}
