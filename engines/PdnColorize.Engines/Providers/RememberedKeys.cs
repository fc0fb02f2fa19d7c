using System.Text.Json;

namespace PdnColorize.Engines.Providers;

/// <summary>
/// A small set of keys kept as a JSON list in the cache folder, so that what one run learnt the hard way (a precision
/// that overflows, a model ORT will not capture in CUDA graphs) spares the next runs the same failure. An unreadable
/// or unwritable file only costs that failure once more.
/// </summary>
public sealed class RememberedKeys(string file)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _thisRun = [];

    public bool Contains(string key)
    {
        lock (_gate) return Load().Contains(key);
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            var set = Load();
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
                // An unwritable cache: remembered for this run only.
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
            return new(_thisRun);
        }
    }
}
