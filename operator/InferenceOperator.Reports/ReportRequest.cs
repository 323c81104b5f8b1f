using InferenceOperator.Api;

namespace InferenceOperator.Reports;

/// <summary>What a report is built from: the objects the CLI fetched (or read from manifests) and the observation window.</summary>
public sealed record ReportRequest
{
    /// <summary>InferenceServices with their status (status.plan, status.replicas, status.modelProfile).</summary>
    public required IReadOnlyList<InferenceService> Services { get; init; }

    /// <summary>InferencePolicies the services reference (matched by name within the service's namespace).</summary>
    public IReadOnlyList<InferencePolicy> Policies { get; init; } = [];

    /// <summary>The catalog the operator plans with: prices come from here (pass CatalogMapping.DefaultCatalog() when the cluster has no AcceleratorProfiles).</summary>
    public required IReadOnlyList<AcceleratorProfile> Catalog { get; init; }

    /// <summary>Policy of services without spec.policyRef (the operator's configured default); null means the planner's defaults.</summary>
    public InferencePolicySpec? DefaultPolicy { get; init; }

    /// <summary>End of the observation window ("as of").</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>Observation window; 7 days unless set.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(7);
}
