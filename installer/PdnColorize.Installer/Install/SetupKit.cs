using PdnColorize.Installer.Discovery;
namespace PdnColorize.Installer.Install;

/// <summary>
/// The installer's own files as the release zip ships them (install.cmd, install.ps1, pdncolorize-setup and the plugin
/// folder, listed in <see cref="ListName"/> by release.sh). An install from the unpacked zip keeps a copy of them in
/// the user's data folder (<c>setup</c>), so that repair and uninstall still work after the zip is deleted: that copy's
/// PdnColorize folder is the payload its pdncolorize-setup repairs from.
/// </summary>
public static class SetupKit
{
    public const string ListName = "pdncolorize-release.txt";

    /// <summary>The release folder the running installer came from, or null (a development build).</summary>
    public static string? FindRelease(string directory) =>
        File.Exists(Path.Combine(directory, ListName)) ? Path.GetFullPath(directory) : null;

    public static string KeptDirectory(SetupContext context) => Path.Combine(context.DataDirectory, "setup");

    /// <summary>
    /// Copies the kit from <see cref="SetupContext.ReleaseDirectory"/> into <see cref="KeptDirectory"/> (staged, then
    /// renamed into place) when the install used that release's own plugin folder. Returns the kept folder, or null
    /// when there is nothing to keep (a development build, another payload, or running from the kept copy itself).
    /// </summary>
    public static string? Keep(SetupContext context, string payloadDir)
    {
        if (context.ReleaseDirectory is not { } release) return null;
        string keep = Path.GetFullPath(KeptDirectory(context));
        if (Discovery.PaintDotNetLocator.PathsEqual(release, keep)) return null;
        if (!Discovery.PaintDotNetLocator.PathsEqual(Path.GetFullPath(payloadDir), Path.Combine(release, PluginLayout.FolderName))) return null;

        var files = File.ReadAllLines(Path.Combine(release, ListName)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        foreach (var rel in files)
        {
            if (!PluginInstaller.IsSafeRelative(rel)) throw new SetupException($"{ListName} names '{rel}', which is not a path inside the release.");
            if (!File.Exists(Path.Combine(release, rel))) throw new SetupException($"the release is incomplete: {rel} (named by {ListName}) is missing. Unpack the whole zip again.");
        }

        string id = Guid.NewGuid().ToString("N")[..8];
        string staging = keep + ".staging-" + id, old = keep + ".old-" + id;
        try
        {
            foreach (var rel in files)
            {
                string destination = Path.Combine(staging, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(Path.Combine(release, rel), destination); // keeps the Unix execute bit
            }
            if (Directory.Exists(keep)) Directory.Move(keep, old);
            Directory.Move(staging, keep);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            if (Directory.Exists(old) && Directory.Exists(keep)) Directory.Delete(old, recursive: true);
            else if (Directory.Exists(old)) Directory.Move(old, keep); // the new copy did not make it: keep the old one
        }
        return keep;
    }

    /// <summary>Deletes the kept copy after an uninstall, unless this installer runs from it (it cannot delete itself).</summary>
    public static string? Remove(SetupContext context)
    {
        string keep = Path.GetFullPath(KeptDirectory(context));
        if (!Directory.Exists(keep)) return null;
        if (context.ReleaseDirectory is { } release && Discovery.PaintDotNetLocator.PathsEqual(release, keep))
            return $"This installer runs from {keep}, so that copy stays; delete the folder once this window is closed.";
        Directory.Delete(keep, recursive: true);
        return $"Removed the kept copy of the installer in {keep}.";
    }
}
