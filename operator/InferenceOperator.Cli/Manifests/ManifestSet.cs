using InferenceOperator.Api;
using InferenceOperator.Api.Validation;

namespace InferenceOperator.Cli.Manifests;

/// <summary>The valid objects found in some manifests, and every problem found, each tied to its source document.</summary>
internal sealed class ManifestSet
{
    public List<InferenceService> Services { get; } = [];

    public List<InferencePolicy> Policies { get; } = [];

    public List<AcceleratorProfile> Accelerators { get; } = [];

    public List<ManifestProblem> Problems { get; } = [];

    public List<string> Skipped { get; } = [];

    public bool IsValid => Problems.Count == 0;
}

/// <summary>A problem in one document of a manifest file.</summary>
internal sealed record ManifestProblem(string Source, string Object, SpecError Error)
{
    public override string ToString() => $"{Source} {Object}: {Error}";
}
