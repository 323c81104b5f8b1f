namespace InferenceOperator.Planning;

/// <summary>The service's promise: p95 latency at the peak request rate.</summary>
public sealed record Slo
{
    public required double LatencyP95Ms { get; init; }

    /// <summary>Peak requests (inferences) per second.</summary>
    public required double ThroughputRps { get; init; }

    public int MinReplicas { get; init; } = 1;
}

/// <summary>Choices an InferenceService pins. Overrides narrow the search; they never bypass the policy.</summary>
public sealed record Overrides
{
    public static Overrides None { get; } = new();

    /// <summary>Pinned precision; null lets the planner choose.</summary>
    public Precision? Precision { get; init; }

    /// <summary>Pinned catalog name; null lets the planner choose.</summary>
    public string? Accelerator { get; init; }

    /// <summary>Pinned batch size; null lets the planner search 1, 2, 4, ... up to its limit.</summary>
    public int? MaxBatchSize { get; init; }

    /// <summary>Pinned queue delay, ms; null lets the planner choose the time a batch needs to fill.</summary>
    public double? MaxQueueDelayMs { get; init; }
}
