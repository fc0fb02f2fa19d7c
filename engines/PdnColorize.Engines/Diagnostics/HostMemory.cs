using System.Diagnostics;

namespace PdnColorize.Engines.Diagnostics;

/// <summary>Peak resident memory of this process (VmHWM on Linux, peak working set elsewhere).</summary>
public static class HostMemory
{
    public static double PeakMiB()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0]) / 1024.0;
        }
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>Starts a new peak window where the OS allows it (Linux: clear_refs 5 resets VmHWM).</summary>
    public static void ResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
