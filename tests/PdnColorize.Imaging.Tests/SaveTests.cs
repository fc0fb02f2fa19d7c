using PdnColorize.Tests.Shared;

namespace PdnColorize.Imaging.Tests;

public sealed class SaveTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Files() => Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order().ToArray()!;

    [Theory]
    [InlineData("out.gif")]
    [InlineData("out.webp")]
    [InlineData("out")]
    public void Unsupported_extensions_are_refused_before_any_file_is_made(string name)
    {
        var e = Assert.Throws<ImageSaveException>(() => ImageCodec.Save(TestImages.Gray(8, 8), _dir.File(name)));
        Assert.Contains(".png", e.Message);
        Assert.Empty(Files());
        Assert.Throws<ImageSaveException>(() => ImageCodec.CheckWritable(_dir.File(name)));
    }

    [Fact]
    public void Missing_folder_is_refused()
    {
        string path = Path.Combine(_dir.Path, "no", "such", "out.png");
        Assert.Contains("does not exist", Assert.Throws<ImageSaveException>(() => ImageCodec.Save(TestImages.Gray(8, 8), path)).Message);
        Assert.Throws<ImageSaveException>(() => ImageCodec.CheckWritable(path));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void A_folder_is_not_a_file()
    {
        Directory.CreateDirectory(_dir.File("x.png"));
        Assert.Throws<ImageSaveException>(() => ImageCodec.Save(TestImages.Gray(8, 8), _dir.File("x.png")));
        Assert.Throws<ImageSaveException>(() => ImageCodec.CheckWritable(_dir.File("x.png")));
    }

    [Fact]
    public void Save_replaces_the_target_and_leaves_no_temporary_file()
    {
        string path = _dir.File("out.png");
        File.WriteAllText(path, "old content");
        ImageCodec.CheckWritable(path);
        Assert.Equal(["out.png"], Files());
        ImageCodec.Save(TestImages.Colour(16, 16), path);
        Assert.Equal(["out.png"], Files());
        Assert.Equal(16, ImageCodec.Load(path).Width);
    }

    [Theory]
    [InlineData(28)]                          // ENOSPC (Linux, macOS)
    [InlineData(unchecked((int)0x80070070))]  // ERROR_DISK_FULL
    public void No_space_left_is_its_own_error_and_leaves_nothing(int hresult)
    {
        string path = _dir.File("full.png");
        ImageCodec.AfterTempWritten = _ => throw new IOException("No space left on device", hresult);
        try
        {
            var e = Assert.Throws<DiskFullException>(() => ImageCodec.Save(TestImages.Colour(16, 16), path));
            Assert.Contains("no space left", e.Message);
            Assert.Contains("full.png", e.Message);
        }
        finally
        {
            ImageCodec.AfterTempWritten = null;
        }
        Assert.Empty(Files());
    }

    [Fact]
    public void Failure_after_writing_deletes_the_temporary_file_and_keeps_the_old_target()
    {
        string path = _dir.File("keep.jpg");
        File.WriteAllText(path, "old content");
        string? temp = null;
        ImageCodec.AfterTempWritten = t => { temp = t; throw new IOException("disk on fire"); };
        try
        {
            Assert.Throws<IOException>(() => ImageCodec.Save(TestImages.Colour(16, 16), path));
        }
        finally
        {
            ImageCodec.AfterTempWritten = null;
        }
        Assert.NotNull(temp);
        Assert.Equal(_dir.Path, Path.GetDirectoryName(temp)); // written beside the target, so the rename is atomic
        Assert.False(File.Exists(temp));
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Equal(["keep.jpg"], Files());
    }

    [Fact]
    public void Cancellation_before_the_rename_leaves_nothing()
    {
        using var cts = new CancellationTokenSource();
        string path = _dir.File("new.png");
        ImageCodec.AfterTempWritten = _ => cts.Cancel();
        try
        {
            Assert.ThrowsAny<OperationCanceledException>(() => ImageCodec.Save(TestImages.Colour(16, 16), path, cancellation: cts.Token));
        }
        finally
        {
            ImageCodec.AfterTempWritten = null;
        }
        Assert.Empty(Files());
    }
}
