namespace InferenceOperator.Planning;

/// <summary>Numeric precision a model is served at. Ordered from the reference (fp32) to the most compressed.</summary>
public enum Precision
{
    Fp32 = 0,
    Fp16 = 1,
    Int8 = 2,
    Int4 = 3,
}

/// <summary>Kind of device an accelerator profile describes.</summary>
public enum AcceleratorKind
{
    Gpu = 0,
    Cpu = 1,
}

/// <summary>What the planner minimises among feasible candidates.</summary>
public enum Objective
{
    /// <summary>Lowest $/hour (equivalently $/1M inferences at the peak rate).</summary>
    Cost = 0,

    /// <summary>Lowest average power at the peak rate (equivalently Wh per 1k inferences).</summary>
    Energy = 1,

    /// <summary>Lowest gCO2e per 1k inferences.</summary>
    Carbon = 2,

    /// <summary>Lowest predicted p95 latency.</summary>
    Latency = 3,

    /// <summary>Weighted sum of cost, energy, carbon and latency, each divided by its best feasible value.</summary>
    Balanced = 4,
}

/// <summary>Where a candidate's throughput and latency figures come from.</summary>
public enum EstimateSource
{
    /// <summary>Roofline estimate: max(compute, memory traffic) plus per-batch overhead.</summary>
    Roofline = 0,

    /// <summary>Measured on a CPU of the same vCPU count, interpolated between batch 1 and batch 8.</summary>
    Measured = 1,

    /// <summary>Measured on a CPU with a different vCPU count and scaled linearly to this profile's vCPUs.</summary>
    MeasuredScaled = 2,
}

/// <summary>Where a candidate's accuracy evidence comes from.</summary>
public enum QualitySource
{
    /// <summary>fp32 is the reference the other precisions are compared with.</summary>
    Reference = 0,

    /// <summary>Measured against fp32 and passed the policy's thresholds.</summary>
    Measured = 1,

    /// <summary>Not measured; admitted only because the policy allows unmeasured precisions.</summary>
    Unmeasured = 2,
}

/// <summary>The constraint that rules a candidate (or the whole plan) out.</summary>
public enum ConstraintKind
{
    None = 0,

    /// <summary>A model, SLO, policy or override field is invalid.</summary>
    InvalidInput = 1,

    /// <summary>A catalog entry is invalid (for example zero bandwidth or price), or the catalog is empty.</summary>
    Catalog = 2,

    /// <summary>The policy's allowed accelerators or precisions exclude it.</summary>
    PolicyFilter = 3,

    /// <summary>An override pins a different choice.</summary>
    Override = 4,

    /// <summary>Measured accuracy fails the policy's thresholds, or accuracy is unmeasured.</summary>
    Quality = 5,

    /// <summary>Weights plus activations plus headroom exceed device memory.</summary>
    Memory = 6,

    /// <summary>Predicted p95 latency exceeds the SLO.</summary>
    Latency = 7,

    /// <summary>More replicas than the planner's limit would be needed.</summary>
    Replicas = 8,

    /// <summary>Above policy.budgets.maxCostPerHour.</summary>
    CostBudget = 9,

    /// <summary>Above policy.budgets.maxPowerWatts.</summary>
    PowerBudget = 10,
}
