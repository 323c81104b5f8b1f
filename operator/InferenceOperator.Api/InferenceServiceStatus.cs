using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;
using k8s.Models;

namespace InferenceOperator.Api;

/// <summary>What the operator decided for the service and what it observes of it.</summary>
public sealed class InferenceServiceStatus
{
    /// <summary>The metadata.generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>ProfileReady, PlanReady, WorkloadReady, AutoscalerReady and Ready, which summarises them.</summary>
    [JsonPropertyName("conditions")]
    [ListMap("type")]
    public List<V1Condition>? Conditions { get; set; }

    /// <summary>The chosen plan and why.</summary>
    [JsonPropertyName("plan")]
    public PlanStatus? Plan { get; set; }

    /// <summary>What profiling measured about the model.</summary>
    [JsonPropertyName("modelProfile")]
    public ModelProfile? ModelProfile { get; set; }

    /// <summary>In-cluster URL of the Open Inference Protocol endpoint.</summary>
    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    /// <summary>Serving pods that exist.</summary>
    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    /// <summary>Serving pods that are ready.</summary>
    [JsonPropertyName("readyReplicas")]
    public int? ReadyReplicas { get; set; }
}

/// <summary>The planner's choice with its predicted figures, savings and the alternatives it beat.</summary>
public sealed class PlanStatus
{
    /// <summary>AcceleratorProfile chosen.</summary>
    [JsonPropertyName("accelerator")]
    public string? Accelerator { get; set; }

    /// <summary>Precision chosen.</summary>
    [JsonPropertyName("precision")]
    public Precision? Precision { get; set; }

    /// <summary>Dynamic batching limit chosen.</summary>
    [JsonPropertyName("maxBatchSize")]
    public int? MaxBatchSize { get; set; }

    /// <summary>Queue delay chosen, in milliseconds.</summary>
    [JsonPropertyName("maxQueueDelayMs")]
    public int? MaxQueueDelayMs { get; set; }

    /// <summary>Replicas needed for peak traffic with headroom.</summary>
    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    /// <summary>Predicted 95th-percentile latency, in milliseconds.</summary>
    [JsonPropertyName("predictedLatencyP95Ms")]
    public double? PredictedLatencyP95Ms { get; set; }

    /// <summary>Predicted inferences per second one replica sustains.</summary>
    [JsonPropertyName("throughputPerReplicaRps")]
    public double? ThroughputPerReplicaRps { get; set; }

    /// <summary>Cost of all replicas per hour, in USD.</summary>
    [JsonPropertyName("costPerHour")]
    public double? CostPerHour { get; set; }

    /// <summary>Cost per million inferences at peak traffic, in USD.</summary>
    [JsonPropertyName("costPerMillionInferences")]
    public double? CostPerMillionInferences { get; set; }

    /// <summary>Average power of all replicas at peak traffic, in watts.</summary>
    [JsonPropertyName("powerWatts")]
    public double? PowerWatts { get; set; }

    /// <summary>Energy per thousand inferences, in watt-hours.</summary>
    [JsonPropertyName("energyWhPerThousand")]
    public double? EnergyWhPerThousand { get; set; }

    /// <summary>Emissions per thousand inferences, in grams CO2e.</summary>
    [JsonPropertyName("carbonGramsPerThousand")]
    public double? CarbonGramsPerThousand { get; set; }

    /// <summary>Baseline the savings are measured against (accelerator at fp32, batch 1, same SLO).</summary>
    [JsonPropertyName("baselineAccelerator")]
    public string? BaselineAccelerator { get; set; }

    /// <summary>Cost saved against the baseline, in percent.</summary>
    [JsonPropertyName("savingsPercent")]
    public double? SavingsPercent { get; set; }

    /// <summary>Cost saved against the baseline per month (730 h), in USD.</summary>
    [JsonPropertyName("savingsPerMonth")]
    public double? SavingsPerMonth { get; set; }

    /// <summary>Figures taken from measurements rather than estimated (e.g. throughput on cpu).</summary>
    [JsonPropertyName("measured")]
    public List<string>? Measured { get; set; }

    /// <summary>One-paragraph explanation of the choice.</summary>
    [JsonPropertyName("explanation")]
    public string? Explanation { get; set; }

    /// <summary>The best candidates that lost, each with the reason.</summary>
    [JsonPropertyName("alternatives")]
    [Items(0, 10)]
    public List<PlanAlternative>? Alternatives { get; set; }
}

/// <summary>A candidate the planner considered and did not choose.</summary>
public sealed class PlanAlternative
{
    /// <summary>AcceleratorProfile of the candidate.</summary>
    [JsonPropertyName("accelerator")]
    public string? Accelerator { get; set; }

    /// <summary>Precision of the candidate.</summary>
    [JsonPropertyName("precision")]
    public Precision? Precision { get; set; }

    /// <summary>Batch limit of the candidate.</summary>
    [JsonPropertyName("maxBatchSize")]
    public int? MaxBatchSize { get; set; }

    /// <summary>Replicas the candidate would need.</summary>
    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    /// <summary>Cost per hour of the candidate, in USD.</summary>
    [JsonPropertyName("costPerHour")]
    public double? CostPerHour { get; set; }

    /// <summary>Average power of the candidate, in watts.</summary>
    [JsonPropertyName("powerWatts")]
    public double? PowerWatts { get; set; }

    /// <summary>Predicted p95 latency of the candidate, in milliseconds.</summary>
    [JsonPropertyName("predictedLatencyP95Ms")]
    public double? PredictedLatencyP95Ms { get; set; }

    /// <summary>Why it lost, e.g. "$1.40/h > $0.70/h" or "p95 61 ms > SLO 50 ms".</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }
}
