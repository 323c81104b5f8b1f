using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;
using k8s.Models;

namespace InferenceOperator.Api;

/// <summary>What InferenceServices that reference it are optimised for, and the limits they must stay within.</summary>
[KubernetesEntity(Group = Groups.Name, ApiVersion = Groups.Version, Kind = "InferencePolicy", PluralName = "inferencepolicies")]
[Resource("inferencepolicy", namespaced: true, ShortNames = ["infpol"], Categories = ["inference"])]
[PrinterColumn("Objective", "string", ".spec.objective", Order = 1)]
[PrinterColumn("Max $/h", "number", ".spec.budgets.maxCostPerHour", Order = 2)]
[PrinterColumn("Max W", "number", ".spec.budgets.maxPowerWatts", Order = 3)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 4)]
public sealed class InferencePolicy() : InferenceResource(KindName)
{
    public const string KindName = "InferencePolicy";

    /// <summary>Objective, budgets, quality gate and energy figures.</summary>
    [JsonPropertyName("spec")]
    [RequiredField]
    public InferencePolicySpec Spec { get; set; } = new();
}

/// <summary>The planner's objective and constraints for the services under this policy.</summary>
[ValidationRule("!has(self.objective) || self.objective != 'balanced' || has(self.weights)", "objective balanced needs weights: set weights.cost, weights.energy, weights.carbon and/or weights.latency")]
public sealed class InferencePolicySpec
{
    /// <summary>What to minimise: cost, energy, carbon, latency, or a weighted balance of them.</summary>
    [JsonPropertyName("objective")]
    [Default("cost")]
    public Objective? Objective { get; set; }

    /// <summary>Relative weights for objective balanced (each normalised against the best candidate).</summary>
    [JsonPropertyName("weights")]
    public ObjectiveWeights? Weights { get; set; }

    /// <summary>Hard limits per service; candidates above them are rejected.</summary>
    [JsonPropertyName("budgets")]
    public Budgets? Budgets { get; set; }

    /// <summary>Quality gate a quantized precision must pass, measured against fp32.</summary>
    [JsonPropertyName("quality")]
    public QualityGate? Quality { get; set; }

    /// <summary>Precisions the planner may choose; absent allows all.</summary>
    [JsonPropertyName("allowedPrecisions")]
    [Items(1, 4)]
    public List<Precision>? AllowedPrecisions { get; set; }

    /// <summary>AcceleratorProfiles the planner may choose; absent allows all.</summary>
    [JsonPropertyName("allowedAccelerators")]
    [Items(1, 64)]
    public List<string>? AllowedAccelerators { get; set; }

    /// <summary>Let the planner choose a precision whose quality was not measured (the plan says so).</summary>
    [JsonPropertyName("allowUnmeasuredPrecisions")]
    [Default(false)]
    public bool? AllowUnmeasuredPrecisions { get; set; }

    /// <summary>Grid carbon intensity where the services run, in grams CO2e per kWh.</summary>
    [JsonPropertyName("carbonIntensityGramsPerKwh")]
    [Minimum(0)]
    [Maximum(2000)]
    [Default(400)]
    public double? CarbonIntensityGramsPerKwh { get; set; }

    /// <summary>Electricity price, in USD per kWh, for energy cost figures.</summary>
    [JsonPropertyName("electricityPricePerKwh")]
    [Minimum(0)]
    [Default(0.15)]
    public double? ElectricityPricePerKwh { get; set; }

    /// <summary>Spare capacity kept above peak traffic, in percent.</summary>
    [JsonPropertyName("headroomPercent")]
    [Minimum(0)]
    [Maximum(500)]
    [Default(20)]
    public double? HeadroomPercent { get; set; }

    /// <summary>AcceleratorProfile of the naive deployment savings are measured against (at fp32, batch 1).</summary>
    [JsonPropertyName("baselineAccelerator")]
    [Default("nvidia-h100")]
    public string? BaselineAccelerator { get; set; }
}

/// <summary>Relative weights of the balanced objective.</summary>
public sealed class ObjectiveWeights
{
    /// <summary>Weight of $/hour.</summary>
    [JsonPropertyName("cost")]
    [Minimum(0)]
    public double? Cost { get; set; }

    /// <summary>Weight of energy per inference.</summary>
    [JsonPropertyName("energy")]
    [Minimum(0)]
    public double? Energy { get; set; }

    /// <summary>Weight of carbon per inference.</summary>
    [JsonPropertyName("carbon")]
    [Minimum(0)]
    public double? Carbon { get; set; }

    /// <summary>Weight of predicted p95 latency.</summary>
    [JsonPropertyName("latency")]
    [Minimum(0)]
    public double? Latency { get; set; }
}

/// <summary>Per-service spending and power limits.</summary>
public sealed class Budgets
{
    /// <summary>Most a service may cost per hour across its replicas, in USD.</summary>
    [JsonPropertyName("maxCostPerHour")]
    [Minimum(0, Exclusive = true)]
    public double? MaxCostPerHour { get; set; }

    /// <summary>Most power a service may draw across its replicas, in watts.</summary>
    [JsonPropertyName("maxPowerWatts")]
    [Minimum(0, Exclusive = true)]
    public double? MaxPowerWatts { get; set; }
}

/// <summary>Thresholds a quantized model must meet against the fp32 reference.</summary>
public sealed class QualityGate
{
    /// <summary>Lowest acceptable mean cosine similarity of outputs.</summary>
    [JsonPropertyName("minCosineSimilarity")]
    [Minimum(0)]
    [Maximum(1)]
    [Default(0.99)]
    public double? MinCosineSimilarity { get; set; }

    /// <summary>Highest acceptable fraction of inputs whose top-1 class changes.</summary>
    [JsonPropertyName("maxTop1Disagreement")]
    [Minimum(0)]
    [Maximum(1)]
    [Default(0.02)]
    public double? MaxTop1Disagreement { get; set; }
}
