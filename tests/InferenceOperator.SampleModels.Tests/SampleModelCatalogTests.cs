using Xunit;

namespace InferenceOperator.SampleModels.Tests;

public sealed class SampleModelCatalogTests : IDisposable
{
    private readonly string cache = Path.Combine(Path.GetTempPath(), "samplemodels-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(cache))
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void Should_ExtractMiniLmModelAndVocabulary_From_EmbeddedResources()
    {
        var model = new SampleModelCatalog(cache).MiniLm();

        Assert.StartsWith(cache, model.ModelPath, StringComparison.Ordinal);
        // 22.7M fp32 parameters: the file is ~90 MB.
        Assert.InRange(new FileInfo(model.ModelPath).Length, 80_000_000, 100_000_000);
        var vocabulary = File.ReadAllLines(model.VocabularyPath!);
        Assert.Equal(30522, vocabulary.Length);
        Assert.Equal("[PAD]", vocabulary[0]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(model.ModelPath)!, "*.partial"));
    }

    [Fact]
    public void Should_ReuseExtractedFiles_When_CalledAgain()
    {
        var catalog = new SampleModelCatalog(cache);
        var first = catalog.MiniLm();
        var written = File.GetLastWriteTimeUtc(first.ModelPath);

        var second = catalog.MiniLm();

        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second.ModelPath));
    }

    [Fact]
    public void Should_FindResNet18_InItsPackage()
    {
        var model = new SampleModelCatalog(cache).ResNet18();

        Assert.EndsWith("ResNet18.onnx", model.ModelPath, StringComparison.Ordinal);
        Assert.True(new FileInfo(model.ModelPath).Length > 60_000_000);
        Assert.Null(model.VocabularyPath);
    }
}
