using System.Runtime.Versioning;
using Microsoft.Win32;

namespace PdnColorize.Installer.Discovery;

/// <summary>Reads where the classic (installer) edition of Paint.NET lives. A small seam so Linux tests can fake it.</summary>
public interface IRegistryReader
{
    /// <summary><c>HKLM\SOFTWARE\paint.net</c> value <c>TARGETDIR</c>, or null when absent.</summary>
    string? ReadPaintDotNetTargetDir();
}

/// <summary>No registry (Linux, macOS).</summary>
public sealed class NoRegistry : IRegistryReader
{
    public string? ReadPaintDotNetTargetDir() => null;
}

/// <summary>A fixed answer, for tests.</summary>
public sealed class FakeRegistry(string? targetDir) : IRegistryReader
{
    public string? ReadPaintDotNetTargetDir() => targetDir;
}

[SupportedOSPlatform("windows")]
public sealed class WindowsRegistryReader : IRegistryReader
{
    public string? ReadPaintDotNetTargetDir()
    {
        // Paint.NET is a 64-bit app; read the 64-bit view first, then the 32-bit one for very old installs.
        foreach (var view in new[] { RegistryView.Registry64, RegistryView.Registry32 })
        {
            try
            {
                using var hklm = RegistryKey.OpenBaseKey(RegistryHive.LocalMachine, view);
                using var key = hklm.OpenSubKey(@"SOFTWARE\paint.net");
                if (key?.GetValue("TARGETDIR") is string dir && dir.Length > 0)
                    return dir;
            }
            catch (Exception e) when (e is System.Security.SecurityException or UnauthorizedAccessException or IOException)
            {
                // unreadable: fall through to the other view and then to the other discovery paths
            }
        }
        return null;
    }
}
