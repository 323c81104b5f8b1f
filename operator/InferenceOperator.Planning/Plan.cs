using System.Globalization;

namespace InferenceOperator.Planning;

/// <summary>
/// The planner's answer: the chosen candidate (or, when infeasible, the binding constraint and the closest
/// candidate), the runners-up, why every other family lost, and the savings against the naive baseline.
/// Every figure is finite; every reason names the field or number that decided it.
/// </summary>
public sealed record Plan
{
    public required bool IsFeasible { get; init; }

    public required Objective Objective { get; init; }

    /// <summary>The SLO the plan was made for (null only when it was missing).</summary>
    public Slo? Slo { get; init; }

    /// <summary>The best feasible candidate; null when infeasible.</summary>
    public Candidate? Chosen { get; init; }

    /// <summary>Up to five runners-up, best first, one per accelerator/precision family, each with the reason it lost.</summary>
    public IReadOnlyList<Alternative> Alternatives { get; init; } = [];

    /// <summary>One entry per rejected accelerator, precision, or accelerator/precision family.</summary>
    public IReadOnlyList<Rejection> Rejections { get; init; } = [];

    /// <summary>Invalid model, SLO, policy or override fields; when non-empty the plan is infeasible.</summary>
    public IReadOnlyList<InputError> InputErrors { get; init; } = [];

    /// <summary>policy.baselineAccelerator at fp32, batch 1, same SLO, ignoring budgets; null when it cannot be evaluated (see <see cref="BaselineNote"/>).</summary>
    public Candidate? Baseline { get; init; }

    /// <summary>Why there is no baseline, or a caveat about it (for example that it misses the SLO).</summary>
    public string? BaselineNote { get; init; }

    /// <summary>(baseline $/h - chosen $/h) / baseline $/h x 100; zero without both.</summary>
    public double SavingsPercent { get; init; }

    /// <summary>(baseline $/h - chosen $/h) x 730 hours.</summary>
    public double SavingsPerMonth { get; init; }

    /// <summary>For an infeasible plan, the constraint that binds; <see cref="ConstraintKind.None"/> when feasible.</summary>
    public ConstraintKind BindingConstraint { get; init; }

    /// <summary>For an infeasible plan, the binding reason in words, with the field or number.</summary>
    public string? BindingReason { get; init; }

    /// <summary>For an infeasible plan, the candidate that violates its constraints least (relative excess), if any was evaluated.</summary>
    public Candidate? Closest { get; init; }

    /// <summary>How many accelerator x precision x batch candidates were estimated.</summary>
    public int CandidatesEvaluated { get; init; }

    /// <summary>A one-paragraph human summary of the decision.</summary>
    public string Explain() => PlanExplainer.Explain(this);
}

/// <summary>One accelerator x precision x batching x replicas choice with its predicted figures (all at the peak rate).</summary>
public sealed record Candidate
{
    public required string Accelerator { get; init; }

    public required AcceleratorKind Kind { get; init; }

    public required string ExecutionProvider { get; init; }

    public required Precision Precision { get; init; }

    /// <summary>The precision the arithmetic runs at: <see cref="Precision"/> where the device has a native path, else a wider one (weights still stored at <see cref="Precision"/>).</summary>
    public required Precision ComputePrecision { get; init; }

    public required int MaxBatchSize { get; init; }

    /// <summary>How long the batcher waits for a batch to fill, ms (the time a full batch takes to arrive at the per-replica peak rate, unless pinned).</summary>
    public required double MaxQueueDelayMs { get; init; }

    public required int Replicas { get; init; }

    /// <summary>Time to run one full batch, ms.</summary>
    public required double BatchTimeMs { get; init; }

    /// <summary>Batch time plus queue delay, ms.</summary>
    public required double PredictedP95Ms { get; init; }

    public required double ThroughputPerReplicaRps { get; init; }

    /// <summary>Peak rate / (replicas x throughput per replica).</summary>
    public required double Utilization { get; init; }

    /// <summary>Weights + activations for the batch + headroom, GiB.</summary>
    public required double MemoryRequiredGiB { get; init; }

    /// <summary>Replicas x price + average kW x policy electricity price.</summary>
    public required double CostPerHour { get; init; }

    public required double CostPerMillionInferences { get; init; }

    /// <summary>Replicas x (idle + (board - idle) x utilization), at the peak rate.</summary>
    public required double AverageWatts { get; init; }

    public required double WattHoursPer1kInferences { get; init; }

    public required double GramsCo2ePer1kInferences { get; init; }

    /// <summary>Whether throughput/latency were measured or estimated.</summary>
    public required EstimateSource ThroughputSource { get; init; }

    /// <summary>Whether accuracy was the fp32 reference, measured, or unmeasured.</summary>
    public required QualitySource QualitySource { get; init; }

    /// <summary>Measured mean cosine similarity with fp32, if any.</summary>
    public double? CosineMean { get; init; }

    /// <summary>"nvidia-t4/int8 batch 8".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Accelerator}/{Fmt.Name(Precision)} batch {MaxBatchSize}");
}

/// <summary>A feasible runner-up and why it lost to the chosen candidate.</summary>
public sealed record Alternative(Candidate Candidate, string LostBecause);

/// <summary>A rejected accelerator ("nvidia-h100"), precision ("int4") or family ("nvidia-t4/fp32") and why.</summary>
public sealed record Rejection(string Subject, ConstraintKind Constraint, string Reason)
{
    /// <summary>"nvidia-t4/fp32: p95 61 ms > SLO 50 ms".</summary>
    public override string ToString() => Subject + ": " + Reason;
}

/// <summary>An invalid input field, named as in the manifest ("slo.latencyP95Ms").</summary>
public sealed record InputError(string Field, string Message)
{
    public override string ToString() => Field + ": " + Message;
}
