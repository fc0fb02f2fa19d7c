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

    public bool IsUnsafe(string modelSha, Precision precision, ProviderKind provider)
    {
        lock (_gate) return Load().Contains(Key(modelSha, precision, provider));
    }

    public void MarkUnsafe(string modelSha, Precision precision, ProviderKind provider)
    {
        lock (_gate)
        {
            var set = Load();
            if (!set.Add(Key(modelSha, precision, provider))) return;
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string temp = file + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(set.Order().ToArray(), EnginesJson.Default.StringArray));
            File.Move(temp, file, overwrite: true);
        }
    }

    private HashSet<string> Load()
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), EnginesJson.Default.HashSetString) ?? new() : new();
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return new(); // a damaged list only costs one more NaN rerun
        }
    }
}
