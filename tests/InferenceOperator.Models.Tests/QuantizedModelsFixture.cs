namespace InferenceOperator.Models.Tests;

/// <summary>
/// Profiles both real models once per test run (quality only, small calibration sets) and keeps every candidate model
/// in a scratch folder, so each test inspects results instead of re-quantizing.
/// </summary>
public sealed class QuantizedModelsFixture : IDisposable
{
    public QuantizedModelsFixture()
    {
        Models = new SampleModelsFixture();
        CacheDirectory = Models.PathFor("cache");
        Quantizer = new ModelQuantizer(CacheDirectory);
        var profiler = new ModelProfiler(new ModelAnalyzer(), Quantizer);
        MiniLm = profiler.Profile(Models.MiniLm.ModelPath, new ProfileOptions
        {
            Samples = 8,
            SequenceLength = 64,
            MeasureSpeed = false,
            VocabularyPath = Models.MiniLm.VocabularyPath,
            OutputDirectory = Models.PathFor("minilm"),
        });
        ResNet18 = profiler.Profile(Models.ResNet18.ModelPath, new ProfileOptions
        {
            Samples = 50,
            MeasureSpeed = false,
            Precisions = [ModelPrecision.Fp16, ModelPrecision.Int8, ModelPrecision.Int4],
            OutputDirectory = Models.PathFor("resnet18"),
        });
    }

    public SampleModelsFixture Models { get; }

    public string CacheDirectory { get; }

    public ModelQuantizer Quantizer { get; }

    public ModelProfile MiniLm { get; }

    public ModelProfile ResNet18 { get; }

    public void Dispose() => Models.Dispose();
}
