namespace PdnColorize.Installer.Install;

/// <summary>
/// A lock file beside the plugin folder, opened exclusively for the whole operation, so two installers (or an
/// installer and an uninstaller) never work on one Paint.NET at once. It deletes itself on release; a stale file
/// left by a killed installer is not locked and is simply taken over.
/// </summary>
public sealed class InstallLock : IDisposable
{
    private readonly FileStream _stream;

    private InstallLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    public static InstallLock Acquire(string effectsDir)
    {
        string path = System.IO.Path.Combine(effectsDir, Discovery.PluginLayout.LockName);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            stream.SetLength(0);
            var note = System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId} since {DateTime.UtcNow:O}\n");
            stream.Write(note);
            stream.Flush();
            return new InstallLock(stream, path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw PluginInstaller.Elevation(effectsDir, e);
        }
        catch (IOException e)
        {
            throw new SetupException(
                $"Another pdncolorize-setup is working on {effectsDir} (lock {path} is held). Wait for it to finish, then run this again.", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
