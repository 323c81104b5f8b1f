namespace InferenceOperator.Models.Graph;

internal static class ModelFiles
{
    /// <summary>Refuses to write a model over the file it was read from.</summary>
    public static void EnsureDistinct(string inputPath, string outputPath)
    {
        var input = Path.GetFullPath(inputPath);
        var output = Path.GetFullPath(outputPath);
        if (string.Equals(input, output, StringComparison.Ordinal)
            || (File.Exists(output) && File.Exists(input) && SameFile(input, output)))
        {
            throw new ModelException(inputPath, "the output path is the input model; it is never overwritten");
        }
    }

    private static bool SameFile(string a, string b)
    {
        var resolvedA = new FileInfo(a).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? a;
        var resolvedB = new FileInfo(b).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? b;
        return string.Equals(resolvedA, resolvedB, StringComparison.Ordinal);
    }
}
