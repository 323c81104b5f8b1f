using InferenceOperator.SampleModels;

namespace InferenceOperator.Models.Tests;

/// <summary>The real sample models and a scratch folder shared by a test class; the folder is deleted afterwards.</summary>
public sealed class SampleModelsFixture : IDisposable
{
    public SampleModelsFixture()
    {
        var catalog = new SampleModelCatalog();
        MiniLm = catalog.MiniLm();
        ResNet18 = catalog.ResNet18();
        WorkDirectory = Directory.CreateTempSubdirectory("models-tests-").FullName;
    }

    public SampleModel MiniLm { get; }

    public SampleModel ResNet18 { get; }

    public string WorkDirectory { get; }

    public string PathFor(string fileName) => Path.Combine(WorkDirectory, fileName);

    public void Dispose() => Directory.Delete(WorkDirectory, recursive: true);
}
