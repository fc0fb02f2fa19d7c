using System.CommandLine;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Discovery;
using PdnColorize.Installer.Doctor;
using PdnColorize.Installer.Install;
using PdnColorize.Installer.Models;
using Spectre.Console;

namespace PdnColorize.Installer;

/// <summary>The verb tree of pdncolorize-setup. Every verb returns an exit code from <see cref="ExitCodes"/>.</summary>
public static class SetupApp
{
    private static readonly Option<string?> PdnDir = new("--pdn-dir")
    {
        Description = "Paint.NET's folder (the one holding paintdotnet.exe: classic or portable), or the Store edition's 'paint.net App Files'. Default: found via the registry, then Documents.",
        HelpName = "dir",
        Recursive = true,
    };
    private static readonly Option<string?> Catalog = new("--catalog")
    {
        Description = "An extra model catalog JSON merged over the built-in one (also PDNCOLORIZE_CATALOG).",
        HelpName = "file",
        Recursive = true,
    };
    private static readonly Option<string?> ModelsDir = new("--models-dir")
    {
        Description = "Folder for user models (default: PDNCOLORIZE_MODELS, else LocalAppData/PdnColorize/models).",
        HelpName = "dir",
        Recursive = true,
    };
    private static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Per-user data folder (downloads, caches; default LocalAppData/PdnColorize, or PDNCOLORIZE_DATA).",
        HelpName = "dir",
        Recursive = true,
        Hidden = true,
    };
    private static readonly Option<string?> DocumentsDir = new("--documents-dir")
    {
        Description = "The Documents folder to look for the Store edition in (tests).",
        HelpName = "dir",
        Recursive = true,
        Hidden = true,
    };

    public static RootCommand Build(SetupContext baseContext)
    {
        var root = new RootCommand("pdncolorize-setup: install PdnColorize into Paint.NET, manage its models, check the GPU.");
        foreach (var o in new Option[] { PdnDir, Catalog, ModelsDir, DataDir, DocumentsDir }) root.Options.Add(o);
        root.Subcommands.Add(InstallCommand(baseContext));
        root.Subcommands.Add(UninstallCommand(baseContext));
        root.Subcommands.Add(RepairCommand(baseContext));
        root.Subcommands.Add(StatusCommand(baseContext));
        root.Subcommands.Add(DoctorCommand(baseContext));
        root.Subcommands.Add(ModelsCommand(baseContext));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, SetupContext context, CancellationToken cancellation = default)
    {
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) context.Error.WriteLine($"pdncolorize-setup: {error.Message}");
            context.Error.WriteLine("Run 'pdncolorize-setup --help' (or 'pdncolorize-setup <verb> --help') for usage.");
            return ExitCodes.BadInput;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellation).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ plumbing

    private static SetupContext Context(SetupContext baseContext, ParseResult p) =>
        baseContext.With(p.GetValue(DataDir), p.GetValue(ModelsDir), p.GetValue(DocumentsDir), p.GetValue(Catalog));

    private static PdnInstall Locate(SetupContext c, ParseResult p) =>
        new PaintDotNetLocator(c.Registry, c.DocumentsDirectory).Locate(p.GetValue(PdnDir));

    private static ModelCatalog LoadCatalog(SetupContext c) => ModelCatalog.Load(Path.Combine(c.DataDirectory, "catalog.json"), c.CatalogFile);

    private static Command Verb(string name, string description, SetupContext baseContext, Func<SetupContext, ParseResult, CancellationToken, Task<int>> body)
    {
        var command = new Command(name, description);
        command.SetAction(async (p, ct) =>
        {
            var c = Context(baseContext, p);
            try
            {
                return await body(c, p, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var (code, message) = ErrorReport.Classify(e);
                c.Error.WriteLine($"pdncolorize-setup: {message}");
                if (code == ExitCodes.Other && e is not (OperationCanceledException or SetupException or Downloads.DownloadException)
                    && Environment.GetEnvironmentVariable("PDNCOLORIZE_DEBUG") is { Length: > 0 })
                    c.Error.WriteLine(e);
                return code;
            }
        });
        return command;
    }

    private static void Warnings(SetupContext c, PdnInstall pdn)
    {
        c.Console.MarkupLine($"Paint.NET: [bold]{Markup.Escape(pdn.EditionName)}[/] at {Markup.Escape(pdn.Root)}" +
                             (pdn.Version is null ? "" : $", version {Markup.Escape(pdn.Version)}"));
        foreach (var w in pdn.Warnings) c.Console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
    }

    // ------------------------------------------------------------------ verbs

    private static readonly Option<string?> Payload = new("--payload")
    {
        Description = "The packaged plugin folder to install (artifacts/Effects/PdnColorize). Default: the PdnColorize folder beside this program.",
        HelpName = "dir",
    };

    private static Option<string?> GpuOption(string description) => new("--gpu")
    {
        Description = description,
        HelpName = "none|cuda",
    };

    private static Command InstallCommand(SetupContext baseContext)
    {
        var gpu = GpuOption("none: CPU only (default for a first install); cuda: also download ONNX Runtime's CUDA/TensorRT providers (~160 MB) into the plugin. Default on upgrade: keep.");
        gpu.AcceptOnlyFromAmong("none", "cuda");
        var models = new Option<string[]>("--model")
        {
            Description = "Catalog model id(s) to download after the install (see 'models list').",
            HelpName = "id",
            AllowMultipleArgumentsPerToken = true,
        };
        var force = new Option<bool>("--force") { Description = "Replace a PdnColorize folder that was not installed by this program." };
        var command = Verb("install", "Install or upgrade the plugin (atomic: all or nothing).", baseContext, async (c, p, ct) =>
        {
            var pdn = Locate(c, p);
            Warnings(c, pdn);
            var catalog = LoadCatalog(c);
            await new PluginInstaller(c).InstallAsync(
                new InstallRequest(pdn, p.GetValue(Payload) ?? SetupContext.DefaultPayload(), p.GetValue(gpu), p.GetValue(force), catalog), ct).ConfigureAwait(false);
            foreach (var id in p.GetValue(models) ?? [])
                await new ModelManager(c, catalog, Path.Combine(pdn.PluginDirectory, "models")).DownloadAsync(id, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Options.Add(Payload);
        command.Options.Add(gpu);
        command.Options.Add(models);
        command.Options.Add(force);
        return command;
    }

    private static Command UninstallCommand(SetupContext baseContext)
    {
        var purge = new Option<bool>("--purge") { Description = "Also delete your downloaded models, downloads and caches." };
        var force = new Option<bool>("--force") { Description = "Delete a PdnColorize folder that has no install manifest." };
        var command = Verb("uninstall", "Remove exactly the files the install put in place.", baseContext, (c, p, ct) =>
        {
            var pdn = Locate(c, p);
            Warnings(c, pdn);
            new PluginInstaller(c).Uninstall(pdn, p.GetValue(purge), p.GetValue(force));
            return Task.FromResult(ExitCodes.Ok);
        });
        command.Options.Add(purge);
        command.Options.Add(force);
        return command;
    }

    private static Command RepairCommand(SetupContext baseContext)
    {
        var gpu = GpuOption("Change the GPU runtime while repairing (default: keep).");
        gpu.AcceptOnlyFromAmong("none", "cuda");
        var force = new Option<bool>("--force") { Description = "Reinstall over a PdnColorize folder that has no install manifest." };
        var command = Verb("repair", "Check every installed file and restore missing or changed ones from the payload.", baseContext, async (c, p, ct) =>
        {
            var pdn = Locate(c, p);
            Warnings(c, pdn);
            await new PluginInstaller(c).RepairAsync(
                new InstallRequest(pdn, p.GetValue(Payload) ?? SetupContext.DefaultPayload(), p.GetValue(gpu), p.GetValue(force), LoadCatalog(c)), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Options.Add(Payload);
        command.Options.Add(gpu);
        command.Options.Add(force);
        return command;
    }

    private static Command StatusCommand(SetupContext baseContext) =>
        Verb("status", "Show where Paint.NET is and whether the plugin is installed and intact (exit 0 only when it is).", baseContext, (c, p, ct) =>
        {
            var pdn = Locate(c, p);
            Warnings(c, pdn);
            var s = new PluginInstaller(c).Status(pdn);
            var con = c.Console;
            if (s.Manifest is null)
            {
                con.MarkupLine(s.FolderExists
                    ? $"PdnColorize: [red]a folder without install manifest[/] at {Markup.Escape(pdn.PluginDirectory)} (not installed by pdncolorize-setup)"
                    : "PdnColorize: [yellow]not installed[/]");
            }
            else
            {
                var m = s.Manifest;
                con.MarkupLine($"PdnColorize: [bold]{Markup.Escape(m.Version)}[/] installed {m.InstalledUtc:yyyy-MM-dd HH:mm} UTC at {Markup.Escape(pdn.PluginDirectory)}");
                con.WriteLine($"  files:       {m.Files.Count} listed, {m.Files.Count - s.Missing.Count - s.Modified.Count} intact, {s.Missing.Count} missing, {s.Modified.Count} modified");
                foreach (var f in s.Missing) con.WriteLine($"    missing:  {f.Path}");
                foreach (var f in s.Modified) con.WriteLine($"    modified: {f.Path}");
                con.WriteLine($"  GPU runtime: {(m.Gpu == "cuda" ? m.GpuRuntime : "none (CPU only)")}");
                if (s.Untracked.Count > 0) con.WriteLine($"  your files:  {s.Untracked.Count} (kept on upgrade and uninstall)");
            }
            foreach (var l in s.Leftovers) con.MarkupLine($"  [yellow]leftover of an interrupted run:[/] {Markup.Escape(l)} (the next install/repair/uninstall cleans it up)");
            if (Directory.Exists(SetupKit.KeptDirectory(c)))
                con.WriteLine($"  installer:   a copy in {SetupKit.KeptDirectory(c)} (run install.cmd there to repair or remove; no zip needed)");
            int userModels = Directory.Exists(c.ModelsDirectory) ? Directory.EnumerateFiles(c.ModelsDirectory, "*.onnx").Count() : 0;
            con.WriteLine($"  user models: {userModels} in {c.ModelsDirectory}");
            if (!s.Intact) con.WriteLine(s.Installed ? "Run 'pdncolorize-setup repair' to restore the damaged files." : "Run 'pdncolorize-setup install' to install it.");
            return Task.FromResult(s.Intact ? ExitCodes.Ok : ExitCodes.Other);
        });

    private static Command DoctorCommand(SetupContext baseContext) =>
        Verb("doctor", "Check Paint.NET, the plugin, the NVIDIA driver, free VRAM and the CUDA/cuDNN/TensorRT libraries; say what works and what to do.",
            baseContext, (c, p, ct) =>
            {
                PdnInstall? pdn = null;
                string? problem = null;
                try { pdn = Locate(c, p); }
                catch (UsageException e) { problem = e.Message; }
                var status = pdn is null ? null : new PluginInstaller(c).Status(pdn);
                var report = DoctorRunner.Run(c, pdn, problem, status);
                var table = new Table().Border(TableBorder.Simple).AddColumns("area", "item", "", "detail");
                foreach (var check in report.Checks)
                {
                    string mark = check.Level switch { Level.Ok => "[green]ok[/]", Level.Warn => "[yellow]warn[/]", Level.Fail => "[red]no[/]", _ => "" };
                    table.AddRow(Markup.Escape(check.Area), Markup.Escape(check.Item), mark, Markup.Escape(check.Detail));
                }
                c.Console.Write(table);
                foreach (var v in report.Verdicts)
                {
                    c.Console.MarkupLine(v.Works ? $"[green]{v.Path}: works[/]" : $"[yellow]{v.Path}: not available[/]");
                    foreach (var todo in v.Todo.Distinct()) c.Console.WriteLine($"  - {todo}");
                }
                return Task.FromResult(ExitCodes.Ok);
            });

    private static Command ModelsCommand(SetupContext baseContext)
    {
        var models = new Command("models", "List, download, import, verify and remove colourisation models.");
        ModelManager Manager(SetupContext c, ParseResult p, out ModelCatalog catalog)
        {
            catalog = LoadCatalog(c);
            string? embedded = null;
            try { embedded = Path.Combine(Locate(c, p).PluginDirectory, "models"); }
            catch (UsageException e)
            {
                // no Paint.NET: only the user's models, and say so (a verify that skipped the plugin's model must not read as all clear)
                c.Console.MarkupLine($"[yellow]note:[/] the plugin's own models are not included: {Markup.Escape(e.Message)} Pass --pdn-dir to include them.");
            }
            return new ModelManager(c, catalog, embedded);
        }

        models.Subcommands.Add(Verb("list", "Installed models and the catalog's.", baseContext, (c, p, ct) =>
        {
            var rows = Manager(c, p, out var catalog).List();
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn(new TableColumn("id").NoWrap());
            table.AddColumn(new TableColumn("state").NoWrap());
            table.AddColumn(new TableColumn("size").NoWrap());
            table.AddColumn(new TableColumn("io").NoWrap());
            table.AddColumn("name");
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Where == "catalog" ? r.State : $"{r.State} ({r.Where})"), Markup.Escape(r.Size),
                    Markup.Escape(r.Io), Markup.Escape(r.Name));
            c.Console.Write(table);
            c.Console.WriteLine($"catalog: {string.Join(" + ", catalog.Sources)}; user models: {c.ModelsDirectory}");
            return Task.FromResult(ExitCodes.Ok);
        }));

        // "install" is the one-command route (download, verify, contract-check, smoke-test, install); "download" is
        // its older name and does the same.
        Command DownloadVerb(string verb, string description)
        {
            var id = new Argument<string?>("id") { Description = "Catalog model id (see 'models list').", Arity = ArgumentArity.ZeroOrOne };
            var url = new Option<string?>("--url") { Description = "Download a custom ONNX from this URL instead of a catalog entry (needs --id).", HelpName = "url" };
            var newId = new Option<string?>("--id") { Description = "Id for the model (custom URL).", HelpName = "id" };
            var sha = new Option<string?>("--sha256") { Description = "Expected SHA-256 of a custom URL's file.", HelpName = "hex" };
            var input = new Option<string?>("--input") { Description = "A custom URL's input convention: gray-rgb01, gray-rgb255 or L100.", HelpName = "convention" };
            var output = new Option<string?>("--output") { Description = "A custom URL's output convention: lab-ab, rgb01 or rgb255.", HelpName = "convention" };
            var command = Verb(verb, description, baseContext, async (c, p, ct) =>
            {
                var manager = Manager(c, p, out _);
                if (p.GetValue(url) is { } u)
                {
                    string mid = p.GetValue(newId) ?? p.GetValue(id) ?? throw new UsageException("--url needs --id ID.");
                    if (!Uri.TryCreate(u, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                        throw new UsageException($"--url {u}: not an http(s) URL.");
                    if (p.GetValue(input) is { } i && !Engines.Descriptors.ModelDescriptor.IsInputName(i))
                        throw new UsageException($"--input {i}: use one of {string.Join(", ", Engines.Descriptors.ModelDescriptor.InputNames)}.");
                    if (p.GetValue(output) is { } o && !Engines.Descriptors.ModelDescriptor.IsOutputName(o))
                        throw new UsageException($"--output {o}: use one of {string.Join(", ", Engines.Descriptors.ModelDescriptor.OutputNames)}.");
                    await manager.DownloadAsync(new CatalogModel
                    {
                        Id = mid, Name = mid, Format = "onnx", Url = u, Sha256 = p.GetValue(sha), Source = u, Notes = "downloaded from a custom URL",
                        Input = p.GetValue(input), Output = p.GetValue(output),
                    }, ct).ConfigureAwait(false);
                }
                else
                {
                    await manager.DownloadAsync(p.GetValue(id) ?? throw new UsageException("name a model id (see 'models list') or --url."), ct).ConfigureAwait(false);
                }
                return ExitCodes.Ok;
            });
            command.Arguments.Add(id);
            foreach (var o in new Option[] { url, newId, sha, input, output }) command.Options.Add(o);
            return command;
        }
        models.Subcommands.Add(DownloadVerb("install",
            "Download a catalog model (or --url), verify it (SHA-256 or the publisher's CRC-32 hash file), check its I/O, run one smoke inference, install it."));
        models.Subcommands.Add(DownloadVerb("download", "The same as 'models install'."));

        var file = new Argument<string>("file") { Description = "An .onnx model (a manifest .json beside it is used when present)." };
        var name = new Option<string?>("--name") { Description = "Display name.", HelpName = "text" };
        var importId = new Option<string?>("--id") { Description = "Model id (default: the manifest's, else the file name).", HelpName = "id" };
        var force = new Option<bool>("--force") { Description = "Replace an installed model with the same id." };
        var importInput = new Option<string?>("--input") { Description = "Its input convention, written to the manifest: gray-rgb01, gray-rgb255 or L100.", HelpName = "convention" };
        var importOutput = new Option<string?>("--output") { Description = "Its output convention, written to the manifest: lab-ab, rgb01 or rgb255.", HelpName = "convention" };
        var import = Verb("import", "Check an ONNX model (descriptor, I/O, one smoke inference) and install it as a user model.", baseContext, (c, p, ct) =>
        {
            Manager(c, p, out _).Import(p.GetValue(file)!, p.GetValue(importId), p.GetValue(name), p.GetValue(force), p.GetValue(importInput), p.GetValue(importOutput));
            return Task.FromResult(ExitCodes.Ok);
        });
        import.Options.Add(importInput);
        import.Options.Add(importOutput);
        import.Arguments.Add(file);
        import.Options.Add(importId);
        import.Options.Add(name);
        import.Options.Add(force);
        models.Subcommands.Add(import);

        models.Subcommands.Add(Verb("verify", "Check every installed model's SHA-256 and I/O contract.", baseContext, (c, p, ct) =>
        {
            bool ok = Manager(c, p, out _).Verify(out var results);
            if (results.Count == 0) c.Console.WriteLine("No installed models found.");
            foreach (var (mid, good, detail) in results)
                c.Console.MarkupLine($"{(good ? "[green]ok[/]  " : "[red]BAD[/] ")} {Markup.Escape(mid)}: {Markup.Escape(detail)}");
            return Task.FromResult(ok ? ExitCodes.Ok : ExitCodes.ModelProblem);
        }));

        var removeId = new Argument<string>("id") { Description = "Installed user model id." };
        var remove = Verb("remove", "Delete an installed user model.", baseContext, (c, p, ct) =>
        {
            Manager(c, p, out _).Remove(p.GetValue(removeId)!);
            return Task.FromResult(ExitCodes.Ok);
        });
        remove.Arguments.Add(removeId);
        models.Subcommands.Add(remove);
        return models;
    }
}
