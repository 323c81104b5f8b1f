using System.Text.Json.Serialization;
using InferenceOperator.Api;
using InferenceOperator.ApiMapping;

namespace InferenceOperator.Cli.Planning;

/// <summary>The machine-readable form of one service's plan (`inferctl plan -o json|yaml`): status.plan plus the reasons.</summary>
internal sealed record PlanDocument(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("feasible")] bool Feasible,
    [property: JsonPropertyName("plan")] PlanStatus Plan,
    [property: JsonPropertyName("rejections")] IReadOnlyList<string> Rejections,
    [property: JsonPropertyName("inputErrors")] IReadOnlyList<string> InputErrors)
{
    public static PlanDocument From(ServicePlan plan) => new(
        plan.Service.Metadata.NamespaceProperty ?? "default",
        plan.Service.Metadata.Name,
        plan.PolicyName,
        plan.Plan.IsFeasible,
        plan.Plan.ToStatus(),
        plan.Plan.Rejections.Select(r => r.ToString()).ToList(),
        plan.Plan.InputErrors.Select(e => e.ToString()).ToList());
}
