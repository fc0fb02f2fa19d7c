namespace PdnColorize.Installer.Install;

/// <summary>Copies one file. A seam so tests can make a copy fail part-way through an install.</summary>
public interface IFileCopier
{
    void Copy(string source, string destination);
}

public sealed class FileCopier : IFileCopier
{
    public void Copy(string source, string destination) => File.Copy(source, destination, overwrite: true);
}
