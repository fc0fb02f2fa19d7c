using PdnColorize.Installer.Discovery;
using PdnColorize.Installer.Doctor;
using PdnColorize.Installer.Downloads;
using PdnColorize.Installer.Install;
using Spectre.Console;

namespace PdnColorize.Installer;

/// <summary>
/// Everything the installer touches outside its own code: the registry, the user's folders, the file copier, HTTP,
/// native-library probing and the console. <see cref="FromEnvironment"/> gives the real ones; tests build fakes.
/// </summary>
public sealed class SetupContext
{
    public required IRegistryReader Registry { get; init; }

    /// <summary>The user's Documents folder (the Microsoft Store edition keeps plugins under it).</summary>
    public required string? DocumentsDirectory { get; init; }

    /// <summary>The per-user data folder: LocalAppData/PdnColorize (downloads, caches, the user catalog).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where user models go: PDNCOLORIZE_MODELS, else DataDirectory/models (what the plugin's ModelStore reads).</summary>
    public required string ModelsDirectory { get; init; }

    /// <summary>Extra catalog file (PDNCOLORIZE_CATALOG or --catalog), merged over the built-in one and the user's.</summary>
    public string? CatalogFile { get; init; }

    public IFileCopier Copier { get; init; } = new FileCopier();
    public required HttpClient Http { get; init; }
    public DownloadOptions DownloadOptions { get; init; } = new();
    public INativeProbe Native { get; init; } = new NativeProbe();
    public IGpuInfoSource Gpu { get; init; } = new NvmlGpuInfo();
    public required IAnsiConsole Console { get; init; }

    /// <summary>Where error lines go (stderr for the real program).</summary>
    public TextWriter Error { get; init; } = System.Console.Error;

    /// <summary>Says whether Paint.NET is running (its DLLs would be locked). Windows only in the real context.</summary>
    public Func<bool> PaintDotNetRunning { get; init; } = () => false;

    /// <summary>The unpacked release (or the kept copy of it) this installer runs from; null for a development build.</summary>
    public string? ReleaseDirectory { get; init; } = SetupKit.FindRelease(AppContext.BaseDirectory);

    public string DownloadsDirectory => Path.Combine(DataDirectory, "downloads");

    /// <summary>The default payload: the plugin folder shipped beside the installer exe.</summary>
    public static string DefaultPayload()
    {
        string baseDir = AppContext.BaseDirectory;
        foreach (var candidate in new[] { Path.Combine(baseDir, "PdnColorize"), Path.Combine(baseDir, "Effects", "PdnColorize") })
            if (Directory.Exists(candidate)) return candidate;
        return Path.Combine(baseDir, "PdnColorize");
    }

    public static SetupContext FromEnvironment()
    {
        string localAppData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (string.IsNullOrEmpty(localAppData))
            localAppData = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        string data = Environment.GetEnvironmentVariable("PDNCOLORIZE_DATA") is { Length: > 0 } d ? d : Path.Combine(localAppData, "PdnColorize");
        string models = Environment.GetEnvironmentVariable("PDNCOLORIZE_MODELS") is { Length: > 0 } m ? m : Path.Combine(data, "models");
        string? documents = Environment.GetFolderPath(Environment.SpecialFolder.MyDocuments);
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected) console.Profile.Width = 120; // a log or pipe: do not hard-wrap at 80
        return new SetupContext
        {
            Registry = OperatingSystem.IsWindows() ? new WindowsRegistryReader() : new NoRegistry(),
            DocumentsDirectory = string.IsNullOrEmpty(documents) ? null : documents,
            DataDirectory = data,
            ModelsDirectory = models,
            CatalogFile = Environment.GetEnvironmentVariable("PDNCOLORIZE_CATALOG") is { Length: > 0 } c ? c : null,
            Http = Downloader.CreateHttpClient(),
            Console = console,
            PaintDotNetRunning = () => OperatingSystem.IsWindows() && System.Diagnostics.Process.GetProcessesByName("paintdotnet").Length > 0,
        };
    }

    /// <summary>A copy with some folders replaced (the CLI's --data-dir, --models-dir, --documents-dir, --catalog).</summary>
    public SetupContext With(string? dataDir = null, string? modelsDir = null, string? documentsDir = null, string? catalog = null)
    {
        dataDir = dataDir is null ? null : Path.GetFullPath(dataDir);
        modelsDir = modelsDir is null ? null : Path.GetFullPath(modelsDir);
        documentsDir = documentsDir is null ? null : Path.GetFullPath(documentsDir);
        return new()
    {
        Registry = Registry,
        DocumentsDirectory = documentsDir ?? DocumentsDirectory,
        DataDirectory = dataDir ?? DataDirectory,
        ModelsDirectory = modelsDir ?? (dataDir is not null && ModelsDirectory == Path.Combine(DataDirectory, "models") ? Path.Combine(dataDir, "models") : ModelsDirectory),
        CatalogFile = catalog ?? CatalogFile,
        Copier = Copier,
        Http = Http,
        DownloadOptions = DownloadOptions,
        Native = Native,
        Gpu = Gpu,
        Console = Console,
        Error = Error,
        PaintDotNetRunning = PaintDotNetRunning,
        ReleaseDirectory = ReleaseDirectory,
    };
    }
}
