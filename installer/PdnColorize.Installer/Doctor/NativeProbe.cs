using System.Runtime.InteropServices;

namespace PdnColorize.Installer.Doctor;

/// <summary>Can a native library be loaded here? A seam so tests can say which libraries "exist".</summary>
public interface INativeProbe
{
    /// <summary>Tries <paramref name="name"/> in <paramref name="firstLookIn"/> (the plugin folder) and then the system search path.</summary>
    bool TryFind(string name, string? firstLookIn, out string where);
}

/// <summary>Loads the library (then frees it), exactly as ONNX Runtime would find it.</summary>
public sealed class NativeProbe : INativeProbe
{
    public bool TryFind(string name, string? firstLookIn, out string where)
    {
        if (firstLookIn is not null && File.Exists(Path.Combine(firstLookIn, name)))
        {
            where = Path.Combine(firstLookIn, name);
            return true;
        }
        if (NativeLibrary.TryLoad(name, out var handle))
        {
            NativeLibrary.Free(handle);
            where = "system search path";
            return true;
        }
        where = "";
        return false;
    }
}

/// <summary>A fixed set of "present" libraries, for tests.</summary>
public sealed class FakeNativeProbe(params string[] present) : INativeProbe
{
    public bool TryFind(string name, string? firstLookIn, out string where)
    {
        bool found = present.Contains(name, StringComparer.OrdinalIgnoreCase);
        where = found ? "fake" : "";
        return found;
    }
}
