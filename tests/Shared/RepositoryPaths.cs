namespace InferenceOperator.Testing;

/// <summary>Paths in the checkout the tests run from.</summary>
internal static class RepositoryPaths
{
    /// <summary>The checkout's root: the folder holding InferenceOperator.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InferenceOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("InferenceOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
