using System.Diagnostics;
using PdnColorize.Imaging;
using PdnColorize.Tests.Shared;

namespace PdnColorize.Cli.Tests;

/// <summary>Batch under a full disk, resumed with --skip-existing, and the words it uses for odd folders.</summary>
public sealed class BatchResilienceTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args) => CliProcess.Run(_dir.Path, fixture.UserModels, args);

    private string Photos(int count, int w = 256, int h = 256)
    {
        string dir = _dir.File("in");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < count; i++) ImageCodec.Save(TestImages.Colour(w, h, seed: i + 1), Path.Combine(dir, $"p{i}.png"));
        return dir;
    }

    private static bool Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", command]) { UseShellExecute = false, RedirectStandardError = true })!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    /// <summary>A real full disk: a small tmpfs (needs root; skipped where mount is not allowed).</summary>
    [Fact]
    public void A_full_disk_stops_the_batch_at_the_first_no_space_with_exit_2_listing_what_was_saved()
    {
        if (!OperatingSystem.IsLinux()) return;
        string disk = _dir.File("disk");
        Directory.CreateDirectory(disk);
        // Each output (a 256x256 colour PNG) takes about 190 KB here; 400 KB hold two.
        if (!Sh($"mount -t tmpfs -o size=400k tmpfs '{disk}' 2>/dev/null")) return;
        try
        {
            string input = Photos(8);
            string output = Path.Combine(disk, "out");
            // Two cores: one photo is saved behind the next, as on a small machine (the batch stops at its first full-disk save).
            var r = CliProcess.Run(_dir.Path, fixture.UserModels, Path.Combine(fixture.UserModels, "..", "cache"), TimeSpan.FromSeconds(90),
                new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "2" },
                "batch", input, output, "--model", fixture.Plumbing, "--force"); // colour test photos
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("no space left", r.Stdout);
            Assert.Contains("not done (disk full)", r.Stdout);
            Assert.DoesNotContain("unexpected", r.Stdout);
            var saved = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
            Assert.All(saved, f => Assert.EndsWith(".png", f)); // no temporary file
            Assert.InRange(saved.Count, 1, 3);
            Assert.Contains($"{saved.Count} saved", r.Stdout);
            Assert.Single(r.Stdout.Split('\n'), l => l.Contains("FAILED")); // stopped at the first
            foreach (var f in saved) ImageCodec.Load(Path.Combine(output, f!));
        }
        finally
        {
            Sh($"umount '{disk}'");
        }
    }

    [Fact]
    public void Skip_existing_resumes_a_batch_without_colouring_again()
    {
        string input = Photos(3, 48, 32);
        string output = _dir.File("out");
        Assert.Equal(0, Run("batch", input, output, "--model", fixture.Plumbing, "--force").ExitCode);
        File.Delete(Path.Combine(output, "p1.png")); // as if the first run was interrupted before it
        var before = File.GetLastWriteTimeUtc(Path.Combine(output, "p0.png"));

        var r = Run("batch", input, output, "--model", fixture.Plumbing, "--skip-existing", "--force");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("[1/3] ok p0.png: skipped", r.Stdout);
        Assert.Contains("[2/3] ok p1.png: 48x32", r.Stdout);
        Assert.Contains("already there", r.Stdout);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(output, "p0.png")));
        Assert.True(File.Exists(Path.Combine(output, "p1.png")));
    }

    [Fact]
    public void A_file_given_as_the_input_folder_is_called_a_file()
    {
        string file = _dir.File("one.png");
        ImageCodec.Save(TestImages.Gray(16, 16), file);
        var r = Run("batch", file, _dir.File("out"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is a file", r.Stderr);
        Assert.DoesNotContain("does not exist", r.Stderr);
    }

    [Fact]
    public void Files_that_are_not_read_are_listed()
    {
        string input = Photos(1, 16, 16);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "x");
        File.WriteAllText(Path.Combine(input, "scan.heic"), "x");
        var r = Run("batch", input, _dir.File("out"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("not read (2", r.Stdout);
        Assert.Contains("notes.txt", r.Stdout);
        Assert.Contains("scan.heic", r.Stdout);
    }

    [Fact]
    public void Names_that_differ_only_in_case_are_two_outputs_where_the_file_system_keeps_case()
    {
        if (!OperatingSystem.IsLinux()) return;
        string input = _dir.File("in");
        Directory.CreateDirectory(input);
        ImageCodec.Save(TestImages.Gray(16, 16), Path.Combine(input, "A.png"));
        ImageCodec.Save(TestImages.Gray(16, 16), Path.Combine(input, "a.png"));
        var r = Run("batch", input, _dir.File("out"), "--model", fixture.Plumbing);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["A.png", "a.png"], Directory.GetFiles(_dir.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
