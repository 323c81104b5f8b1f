namespace InferenceOperator.Models;

/// <summary>
/// A model file cannot be used for the requested operation. <see cref="Exception.Message"/> is one line naming the file
/// and the reason, fit to print as-is (the CLI maps this exception to exit code 2).
/// </summary>
public sealed class ModelException : Exception
{
    public ModelException(string path, string reason)
        : base($"{path}: {reason}")
    {
        Path = path;
        Reason = reason;
    }

    public ModelException(string path, string reason, Exception inner)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The model file the error is about.</summary>
    public string Path { get; }

    /// <summary>Why it cannot be used, without the path.</summary>
    public string Reason { get; }
}
