namespace InferenceOperator.SampleModels;

/// <summary>A sample model's package is not restored on this machine; the message says how to fix it.</summary>
public sealed class SampleModelUnavailableException(string message) : Exception(message);
