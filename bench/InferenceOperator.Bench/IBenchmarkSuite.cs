namespace InferenceOperator.Bench;

/// <summary>
/// A named benchmark suite. Program discovers every non-abstract implementation in this assembly (it needs a
/// public parameterless constructor), so adding a suite never touches Program.cs. A suite prints its figures and
/// ratios against a baseline measured in the same run.
/// </summary>
public interface IBenchmarkSuite
{
    /// <summary>Name used on the command line: <c>dotnet run -c Release --project bench/InferenceOperator.Bench -- NAME</c>.</summary>
    string Name { get; }

    Task RunAsync(TextWriter output, CancellationToken cancellationToken);
}
