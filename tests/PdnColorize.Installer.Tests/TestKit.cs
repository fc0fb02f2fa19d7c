using System.Security.Cryptography;
using System.Text;
using PdnColorize.Installer;
using PdnColorize.Installer.Discovery;
using PdnColorize.Installer.Doctor;
using PdnColorize.Installer.Downloads;
using PdnColorize.Installer.Install;
using PdnColorize.Tests.Shared;
using Spectre.Console;

namespace PdnColorize.Installer.Tests;

public enum Layout { Classic, Portable, Store }

/// <summary>A temp world for one test: a fake Paint.NET, a payload, the user's data folder, a console to read.</summary>
public sealed class World : IDisposable
{
    private readonly TempDir _temp = new();
    public readonly StringWriter Output = new();
    public readonly StringWriter Errors = new();

    public World(Layout layout = Layout.Portable, IFileCopier? copier = null, HttpClient? http = null)
    {
        Layout = layout;
        Root = _temp.Path;
        Documents = Path.Combine(Root, "Documents");
        Directory.CreateDirectory(Documents);
        switch (layout)
        {
            case Layout.Classic:
                PdnRoot = Path.Combine(Root, "Program Files", "paint.net");
                MakeProgramFolder(PdnRoot, withEffects: true);
                // another plugin already there: must be left alone
                File.WriteAllText(Path.Combine(PdnRoot, "Effects", "OtherPlugin.dll"), "someone else's plugin");
                break;
            case Layout.Portable:
                PdnRoot = Path.Combine(Root, "tools", "paint.net portable");
                MakeProgramFolder(PdnRoot, withEffects: false); // no Effects folder yet: the install creates it
                break;
            case Layout.Store:
                PdnRoot = Path.Combine(Documents, PluginLayout.StoreFolderName);
                Directory.CreateDirectory(PdnRoot);
                File.WriteAllText(Path.Combine(PdnRoot, "settings.xml"), "<settings/>");
                break;
        }
        Payload = MakePayload(Path.Combine(Root, "payload", "PdnColorize"), "v1");
        Data = Path.Combine(Root, "LocalAppData", "PdnColorize");
        Context = new SetupContext
        {
            Registry = new FakeRegistry(layout == Layout.Classic ? PdnRoot : null),
            DocumentsDirectory = Documents,
            DataDirectory = Data,
            ModelsDirectory = Path.Combine(Data, "models"),
            Copier = copier ?? new FileCopier(),
            Http = http ?? LoopbackClient(),
            DownloadOptions = new DownloadOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 4, StallTimeout = TimeSpan.FromSeconds(5) },
            Native = new FakeNativeProbe(),
            Gpu = new FakeGpuInfo(new GpuInfo(false, null, null, [], "fake: no driver")),
            Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Output),
            }),
            Error = Errors,
        };
        Context.Console.Profile.Width = 200;
    }

    public Layout Layout { get; }
    public string Root { get; }
    public string Documents { get; }
    public string PdnRoot { get; } = "";
    public string Payload { get; }
    public string Data { get; }
    public SetupContext Context { get; set; }

    /// <summary>The --pdn-dir to pass: none for classic (registry) and store (Documents), the folder for portable.</summary>
    public string? PdnDirArgument => Layout == Layout.Portable ? PdnRoot : null;

    public PdnInstall Locate() => new PaintDotNetLocator(Context.Registry, Context.DocumentsDirectory).Locate(PdnDirArgument);

    public string Effects => Path.Combine(PdnRoot, "Effects");
    public string Plugin => Path.Combine(Effects, PluginLayout.FolderName);

    public static HttpClient LoopbackClient() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public static void MakeProgramFolder(string dir, bool withEffects)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, PaintDotNetLocator.ExeName), "MZ fake paint.net");
        File.WriteAllText(Path.Combine(dir, PaintDotNetLocator.EffectsCoreName), "MZ fake effects core");
        File.WriteAllText(Path.Combine(dir, "PaintDotNet.Core.dll"), "MZ fake core");
        if (withEffects) Directory.CreateDirectory(Path.Combine(dir, "Effects"));
    }

    /// <summary>A plugin payload shaped like the packaged one: main DLL, deps, a model, native runtime folder.</summary>
    public static string MakePayload(string dir, string version)
    {
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        Directory.CreateDirectory(Path.Combine(dir, "runtimes", "win-x64", "native"));
        File.WriteAllText(Path.Combine(dir, "PdnColorize.dll"), $"plugin {version}");
        File.WriteAllText(Path.Combine(dir, "PdnColorize.deps.json"), "{ \"deps\": true }");
        File.WriteAllText(Path.Combine(dir, "PdnColorize.Core.dll"), $"core {version}");
        File.WriteAllText(Path.Combine(dir, "PdnColorize.Engines.dll"), $"engines {version}");
        File.WriteAllText(Path.Combine(dir, "Microsoft.ML.OnnxRuntime.dll"), "ort managed");
        File.WriteAllText(Path.Combine(dir, "models", "pdnc-resnet18-v2.onnx"), $"model bytes {version}");
        File.WriteAllText(Path.Combine(dir, "models", "pdnc-resnet18-v2.json"), "{\"id\":\"pdnc-resnet18-v2\",\"name\":\"Compact\"}");
        File.WriteAllText(Path.Combine(dir, "runtimes", "win-x64", "native", "onnxruntime.dll"), "ort native cpu");
        File.WriteAllText(Path.Combine(dir, "VERSION"), version);
        return dir;
    }

    public Task<int> Cli(params string[] args) => SetupApp.RunAsync(args, Context);

    /// <summary>CLI args with this world's data, documents and (for portable) Paint.NET folders.</summary>
    public string[] Args(params string[] verb)
    {
        var list = new List<string>(verb) { "--data-dir", Data, "--documents-dir", Documents };
        if (PdnDirArgument is { } d) list.AddRange(["--pdn-dir", d]);
        return list.ToArray();
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>Every file (with its SHA-256) and folder under a root: compare two to prove "byte-for-byte as before".</summary>
public static class Tree
{
    public static SortedDictionary<string, string> Snapshot(string root)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return map;
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            map[Path.GetRelativePath(root, dir) + "/"] = "<dir>";
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            map[Path.GetRelativePath(root, file)] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        return map;
    }

    public static void AssertSame(SortedDictionary<string, string> before, SortedDictionary<string, string> after)
    {
        var added = after.Keys.Except(before.Keys).ToList();
        var removed = before.Keys.Except(after.Keys).ToList();
        var changed = before.Keys.Intersect(after.Keys).Where(k => before[k] != after[k]).ToList();
        Assert.True(added.Count + removed.Count + changed.Count == 0,
            $"tree differs. added: [{string.Join(", ", added)}] removed: [{string.Join(", ", removed)}] changed: [{string.Join(", ", changed)}]");
    }
}

/// <summary>Copies like the real copier but throws on the N-th file, to prove rollback.</summary>
public sealed class FailingCopier(int failOn, Exception? error = null) : IFileCopier
{
    private int _count;
    public int Copied => _count;

    public void Copy(string source, string destination)
    {
        if (++_count == failOn) throw error ?? new IOException($"injected failure copying {Path.GetFileName(source)}");
        File.Copy(source, destination, overwrite: true);
    }
}

public static class Bytes
{
    public static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
