namespace InferenceOperator.SampleModels;

/// <summary>A real model extracted from its NuGet package: the ONNX file and, for text models, its vocabulary.</summary>
public sealed record SampleModel(string Name, string ModelPath, string? VocabularyPath);
