using System.Diagnostics;
using System.Reflection;

namespace PdnColorize.Installer.Discovery;

public enum PdnEdition { Classic, Store, Portable }

/// <summary>One Paint.NET installation the plugin can go into.</summary>
public sealed record PdnInstall(PdnEdition Edition, string Root, string EffectsDirectory, string? Version, IReadOnlyList<string> Warnings)
{
    public string PluginDirectory => Path.Combine(EffectsDirectory, PluginLayout.FolderName);

    public string EditionName => Edition switch
    {
        PdnEdition.Classic => "classic",
        PdnEdition.Store => "Microsoft Store",
        _ => "portable",
    };
}

/// <summary>The names the plugin install uses inside Paint.NET's Effects folder.</summary>
public static class PluginLayout
{
    public const string FolderName = "PdnColorize";
    public const string ManifestName = "pdncolorize-install.json";
    public const string StagingPrefix = FolderName + ".staging-";
    public const string BackupPrefix = FolderName + ".backup-";
    public const string LockName = FolderName + ".setup.lock";
    public const string StoreFolderName = "paint.net App Files";
}

/// <summary>
/// Finds Paint.NET: the folder given with --pdn-dir (classic, portable, or the Store edition's "paint.net App Files"),
/// else the registry's TARGETDIR, else the Store edition's folder under Documents, else the default Program Files path.
/// A program folder counts only when it holds paintdotnet.exe and PaintDotNet.Effects.Core.dll.
/// </summary>
public sealed class PaintDotNetLocator(IRegistryReader registry, string? documentsDirectory)
{
    public const string ExeName = "paintdotnet.exe";
    public const string EffectsCoreName = "PaintDotNet.Effects.Core.dll";

    /// <summary>The oldest Paint.NET the plugin is built for (docs/paintdotnet.md: plugins target 5.1.x on .NET 9).</summary>
    public static readonly Version MinimumVersion = new(5, 1);

    public PdnInstall Locate(string? pdnDir)
    {
        if (!string.IsNullOrWhiteSpace(pdnDir))
            return FromFolder(pdnDir);

        var found = FindAll();
        if (found.Count > 0) return found[0];
        throw new UsageException(
            "Paint.NET was not found: no TARGETDIR under HKLM\\SOFTWARE\\paint.net, no '" + PluginLayout.StoreFolderName +
            "' folder in Documents, nothing in the default Program Files folder. Install Paint.NET 5.1 or newer, " +
            "or name its folder with --pdn-dir (a portable copy: the folder holding paintdotnet.exe).");
    }

    /// <summary>Every installation discovery finds without --pdn-dir, the one install would pick first.</summary>
    public IReadOnlyList<PdnInstall> FindAll()
    {
        var list = new List<PdnInstall>();
        var warnings = new List<string>();
        string? target = registry.ReadPaintDotNetTargetDir();
        if (target is not null)
        {
            if (IsProgramFolder(target)) list.Add(Classic(target, warnings));
            else warnings.Add($"the registry names {target} as Paint.NET's folder, but it holds no {ExeName} and {EffectsCoreName}");
        }
        if (documentsDirectory is not null)
        {
            string store = Path.Combine(documentsDirectory, PluginLayout.StoreFolderName);
            if (Directory.Exists(store)) list.Add(Store(store, warnings));
        }
        if (list.Count == 0 && OperatingSystem.IsWindows())
        {
            string programFiles = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "paint.net");
            if (IsProgramFolder(programFiles)) list.Add(Classic(programFiles, warnings));
        }
        return list;
    }

    private PdnInstall FromFolder(string dir)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        if (!Directory.Exists(full))
            throw new UsageException($"--pdn-dir {dir}: no such folder.");

        var warnings = new List<string>();
        if (IsProgramFolder(full))
        {
            string? target = registry.ReadPaintDotNetTargetDir();
            bool registered = target is not null && PathsEqual(target, full);
            return registered ? Classic(full, warnings) : Portable(full, warnings);
        }
        if (string.Equals(Path.GetFileName(full), PluginLayout.StoreFolderName, StringComparison.OrdinalIgnoreCase))
            return Store(full, warnings);
        if (Directory.Exists(Path.Combine(full, PluginLayout.StoreFolderName)))
            return Store(Path.Combine(full, PluginLayout.StoreFolderName), warnings);
        if (string.Equals(Path.GetFileName(full), "Effects", StringComparison.OrdinalIgnoreCase)
            && Path.GetDirectoryName(full) is { } parent && IsProgramFolder(parent))
            return FromFolder(parent);

        bool hasExe = FindFile(full, ExeName) is not null, hasCore = FindFile(full, EffectsCoreName) is not null;
        string missing = (hasExe, hasCore) switch
        {
            (false, false) => $"holds neither {ExeName} nor {EffectsCoreName}",
            (true, false) => $"has no {EffectsCoreName}",
            _ => $"has no {ExeName}",
        };
        throw new UsageException(
            $"{full} is not a Paint.NET folder: it {missing}. Name the folder that holds {ExeName} " +
            $"(a classic or portable install) or the Store edition's '{PluginLayout.StoreFolderName}' folder. Nothing was changed.");
    }

    public static bool IsProgramFolder(string dir) =>
        Directory.Exists(dir) && FindFile(dir, ExeName) is not null && FindFile(dir, EffectsCoreName) is not null;

    private static PdnInstall Classic(string root, List<string> warnings) => Program(PdnEdition.Classic, root, warnings);
    private static PdnInstall Portable(string root, List<string> warnings) => Program(PdnEdition.Portable, root, warnings);

    private static PdnInstall Program(PdnEdition edition, string root, List<string> warnings)
    {
        var own = new List<string>(warnings);
        string? version = ReadVersion(root, out var parsed);
        if (version is null)
            own.Add($"Paint.NET's version could not be read in {root}; PdnColorize needs 5.1 or newer.");
        else if (parsed is not null && parsed < MinimumVersion)
            own.Add($"Paint.NET {version} is older than {MinimumVersion}: the plugin will most likely not load. Update Paint.NET.");
        return new PdnInstall(edition, root, Path.Combine(root, "Effects"), version, own);
    }

    private static PdnInstall Store(string appFiles, List<string> warnings)
    {
        var own = new List<string>(warnings)
        {
            "Microsoft Store edition: its version cannot be read from here; PdnColorize needs 5.1 or newer (the Store keeps it updated).",
        };
        return new PdnInstall(PdnEdition.Store, appFiles, Path.Combine(appFiles, "Effects"), null, own);
    }

    /// <summary>
    /// The product version from paintdotnet.exe's version resource (Windows), else the assembly version of a managed
    /// Paint.NET DLL. A minor of 100 or more is read as minor*100+patch (5.109 -> 5.1.9), the scheme Paint.NET's file versions
    /// appear to use (not verified against a real install here).
    /// </summary>
    public static string? ReadVersion(string root, out Version? version)
    {
        version = null;
        var candidates = new List<Version>();
        if (OperatingSystem.IsWindows() && FindFile(root, ExeName) is { } exe)
        {
            try
            {
                var info = FileVersionInfo.GetVersionInfo(exe);
                if (info.FileMajorPart > 0) candidates.Add(new Version(info.FileMajorPart, info.FileMinorPart, info.FileBuildPart));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        foreach (var name in new[] { "paintdotnet.dll", "PaintDotNet.Core.dll", EffectsCoreName })
        {
            if (candidates.Count > 0) break;
            if (FindFile(root, name) is not { } dll) continue;
            try
            {
                if (AssemblyName.GetAssemblyName(dll).Version is { } v && v > new Version(0, 0, 0, 0)) candidates.Add(v);
            }
            catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or ArgumentException) { }
        }
        if (candidates.Count == 0) return null;
        var raw = candidates[0];
        version = raw.Minor >= 100 ? new Version(raw.Major, raw.Minor / 100, raw.Minor % 100) : new Version(raw.Major, raw.Minor, Math.Max(raw.Build, 0));
        return version.ToString(3);
    }

    /// <summary>A file in <paramref name="dir"/> by name, ignoring case (Windows names meet a case-sensitive test file system).</summary>
    public static string? FindFile(string dir, string name)
    {
        string exact = Path.Combine(dir, name);
        if (File.Exists(exact)) return exact;
        try
        {
            return Directory.EnumerateFiles(dir).FirstOrDefault(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
