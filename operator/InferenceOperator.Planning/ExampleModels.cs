namespace InferenceOperator.Planning;

/// <summary>
/// Illustrative model profiles (size and work from the published architectures, no measurements) for what-if
/// planning, examples, tests and benchmarks. Real services should use the profile the model toolkit measures.
/// </summary>
public static class ExampleModels
{
    /// <summary>all-MiniLM-L6-v2-like sentence embedder: 22.7M parameters, about 2.9 GFLOP per inference at sequence length 128.</summary>
    public static ModelProfile MiniLm() => new()
    {
        Name = "minilm-l6",
        Parameters = 22.7e6,
        FlopsPerInference = 2.9e9,
        SequenceLength = 128,
        ActivationBytesPerItem = 2.0 * 1024 * 1024,
    };

    /// <summary>ResNet18-like image classifier at 224x224: 11.7M parameters, about 1.8 GFLOP per inference.</summary>
    public static ModelProfile ResNet18() => new()
    {
        Name = "resnet18",
        Parameters = 11.7e6,
        FlopsPerInference = 1.8e9,
        ActivationBytesPerItem = 8.0 * 1024 * 1024,
    };
}
