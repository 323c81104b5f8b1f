namespace InferenceOperator.Api.Validation;

/// <summary>One problem in a manifest: the field's path (e.g. spec.slo.latencyP95Ms) and what to change.</summary>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
