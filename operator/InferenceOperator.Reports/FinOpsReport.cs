using InferenceOperator.Api;

namespace InferenceOperator.Reports;

/// <summary>
/// A FinOps report: one row per InferenceService, totals per namespace and overall, each gap marked.
/// Money, energy and carbon are decimals already rounded by <see cref="ReportRounding"/>; totals are sums of the rounded
/// service figures, so they reconcile to the cent.
/// </summary>
public sealed record FinOpsReport
{
    /// <summary>Stable schema name written into JSON; bumped on any incompatible change.</summary>
    public const string SchemaVersion = "inferenceoperator.io/finops-report/v1";

    /// <summary>End of the observation window (the report's "as of").</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Length of the observation window.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Whether observed traffic was available; when false every observed column reads "n/a (no Prometheus)".</summary>
    public required bool TrafficAvailable { get; init; }

    /// <summary>Why traffic is missing, when it is.</summary>
    public string? TrafficUnavailableReason { get; init; }

    /// <summary>Services ordered by namespace then name (ordinal).</summary>
    public required IReadOnlyList<ServiceReport> Services { get; init; }

    /// <summary>One entry per namespace, ordinal order.</summary>
    public required IReadOnlyList<ReportTotals> Namespaces { get; init; }

    /// <summary>All services together.</summary>
    public required ReportTotals Total { get; init; }

    /// <summary>Window length in hours (what window cost is multiplied by).</summary>
    public decimal WindowHours => (decimal)Window.TotalSeconds / 3600m;
}

/// <summary>What the observed columns of a row rest on.</summary>
public enum TrafficState
{
    /// <summary>Inferences were observed (at least one).</summary>
    Observed,

    /// <summary>Prometheus answered: zero inferences in the window ($/1M is n/a).</summary>
    ZeroTraffic,

    /// <summary>Prometheus answered but holds no series for the service (not scraped, or no requests ever).</summary>
    NoData,

    /// <summary>No Prometheus configured or reachable.</summary>
    NoPrometheus,
}

/// <summary>A kind of hole in a row; each one is listed with a message and the affected columns read "n/a".</summary>
public enum GapKind
{
    /// <summary>status.plan is absent or has no chosen accelerator: cost, energy and carbon are n/a and excluded from totals.</summary>
    NoPlan,

    /// <summary>The plan's accelerator is not in the catalog or has no price: cost is n/a and excluded from totals.</summary>
    PriceMissing,

    /// <summary>No Prometheus: observed inferences, $/1M and utilisation are n/a.</summary>
    NoPrometheus,

    /// <summary>Prometheus has no series for the service.</summary>
    NoTrafficData,

    /// <summary>Zero inferences in the window: $/1M is n/a.</summary>
    ZeroTraffic,

    /// <summary>spec.policyRef names a policy that was not given: the default policy is used.</summary>
    PolicyMissing,

    /// <summary>Neither status.modelProfile nor spec.model.profile: no re-plan, so savings come from status.plan and no opportunities are computed.</summary>
    NoModelProfile,

    /// <summary>The baseline accelerator cannot be evaluated: savings are n/a.</summary>
    BaselineUnavailable,
}

/// <summary>A marked gap in a row.</summary>
public sealed record ReportGap(GapKind Kind, string Message)
{
    public override string ToString() => Message;
}

/// <summary>One InferenceService's figures. Null means n/a; <see cref="Gaps"/> says why.</summary>
public sealed record ServiceReport
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>InferencePolicy name, or "(default)".</summary>
    public required string Policy { get; init; }

    public required Objective Objective { get; init; }

    public string? Accelerator { get; init; }

    public Precision? Precision { get; init; }

    /// <summary>Serving pods running (status.replicas), else the plan's replicas.</summary>
    public int? Replicas { get; init; }

    /// <summary>replicas x catalog price + watts / 1000 x electricity price, USD, rounded to 4 decimals.</summary>
    public decimal? CostPerHour { get; init; }

    /// <summary>$/hour x 730, rounded to the cent.</summary>
    public decimal? CostPerMonth { get; init; }

    /// <summary>$/hour x window hours, rounded to the cent.</summary>
    public decimal? WindowCost { get; init; }

    public required TrafficState Traffic { get; init; }

    /// <summary>Successful inferences served in the window.</summary>
    public long? Inferences { get; init; }

    /// <summary>Window cost (rounded) / inferences served x 1e6, rounded to 4 decimals; n/a with zero traffic.</summary>
    public decimal? CostPerMillion { get; init; }

    /// <summary>Observed busy ratio (0-1), rounded to 3 decimals.</summary>
    public decimal? Utilisation { get; init; }

    /// <summary>Average power of all replicas, W, rounded to 1 decimal.</summary>
    public decimal? PowerWatts { get; init; }

    /// <summary>watts x 730 / 1000, rounded to 0.01 kWh.</summary>
    public decimal? KwhPerMonth { get; init; }

    /// <summary>kWh/month x policy grid intensity / 1000, rounded to 0.01 kg.</summary>
    public decimal? KgCo2ePerMonth { get; init; }

    public string? BaselineAccelerator { get; init; }

    /// <summary>What the naive deployment (baseline accelerator, fp32, batch 1, same SLO) would cost per month, rounded to the cent.</summary>
    public decimal? BaselineCostPerMonth { get; init; }

    /// <summary>Baseline $/month - $/month (both rounded), USD.</summary>
    public decimal? SavingsPerMonth { get; init; }

    /// <summary>Savings / baseline x 100, rounded to 1 decimal.</summary>
    public decimal? SavingsPercent { get; init; }

    /// <summary>Re-plans that would cost less, best first.</summary>
    public IReadOnlyList<Opportunity> Opportunities { get; init; } = [];

    public IReadOnlyList<ReportGap> Gaps { get; init; } = [];

    public bool Has(GapKind kind) => Gaps.Any(g => g.Kind == kind);
}

/// <summary>A re-plan that would cost less than the current plan, with what it costs in quality.</summary>
public sealed record Opportunity
{
    /// <summary>What changes: "objective cost", "allow int8", "allow unmeasured precisions".</summary>
    public required string Change { get; init; }

    public required string Accelerator { get; init; }

    public required Precision Precision { get; init; }

    public required int MaxBatchSize { get; init; }

    public required int Replicas { get; init; }

    /// <summary>Planned $/month of the re-plan, rounded to the cent.</summary>
    public required decimal CostPerMonth { get; init; }

    /// <summary>Planned $/month now - re-plan $/month (both planned at the SLO's peak, rounded), USD.</summary>
    public required decimal SavingsPerMonth { get; init; }

    /// <summary>Savings / planned $/month now x 100, rounded to 1 decimal.</summary>
    public required decimal SavingsPercent { get; init; }

    /// <summary>Planned energy change, kWh/month (negative saves), rounded to 0.01.</summary>
    public required decimal KwhPerMonthChange { get; init; }

    /// <summary>The quality cost in words: "int8 passes the quality gate (cosine 0.995 >= 0.99)".</summary>
    public required string Quality { get; init; }

    /// <summary>"int8 passes the quality gate (cosine 0.995 >= 0.99): -38% $/month (nvidia-t4/int8 batch 8, -$120.45/month)".</summary>
    public required string Summary { get; init; }
}

/// <summary>Totals of a namespace (or of all services): sums of the rounded service figures.</summary>
public sealed record ReportTotals
{
    /// <summary>Namespace, or null for the grand total.</summary>
    public string? Namespace { get; init; }

    public required int Services { get; init; }

    /// <summary>Services whose cost is n/a (no plan or no price): left out of every cost, energy and carbon sum.</summary>
    public required int ServicesWithoutCost { get; init; }

    public required int Replicas { get; init; }

    public required decimal CostPerHour { get; init; }

    public required decimal CostPerMonth { get; init; }

    public required decimal WindowCost { get; init; }

    /// <summary>Sum of observed inferences; null when no service in the group was observed.</summary>
    public long? Inferences { get; init; }

    /// <summary>Window cost of the services with observed traffic / their inferences x 1e6; n/a with none.</summary>
    public decimal? CostPerMillion { get; init; }

    /// <summary>Replica-weighted mean busy ratio of the services with an observation.</summary>
    public decimal? Utilisation { get; init; }

    public required decimal PowerWatts { get; init; }

    public required decimal KwhPerMonth { get; init; }

    public required decimal KgCo2ePerMonth { get; init; }

    /// <summary>Sum over the services with a baseline.</summary>
    public required decimal BaselineCostPerMonth { get; init; }

    /// <summary>Sum over the services with a baseline.</summary>
    public required decimal SavingsPerMonth { get; init; }

    /// <summary>Savings / baseline x 100 (of the summed figures), rounded to 1 decimal; n/a when no service has a baseline.</summary>
    public decimal? SavingsPercent { get; init; }
}
