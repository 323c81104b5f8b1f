using InferenceOperator.Api;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.ApiMapping;

/// <summary>InferencePolicy and InferenceService fields to the planner's policy, SLO and overrides, with the API's defaults.</summary>
public static class PolicyMapping
{
    public static Plan.Policy ToPlanning(this InferencePolicySpec? spec)
    {
        var defaults = new Plan.Policy();
        if (spec is null)
        {
            return defaults;
        }

        return new Plan.Policy
        {
            Objective = spec.Objective switch
            {
                Objective.Energy => Plan.Objective.Energy,
                Objective.Carbon => Plan.Objective.Carbon,
                Objective.Latency => Plan.Objective.Latency,
                Objective.Balanced => Plan.Objective.Balanced,
                _ => Plan.Objective.Cost,
            },
            Weights = spec.Weights is { } w
                ? new Plan.ObjectiveWeights { Cost = w.Cost ?? 0, Energy = w.Energy ?? 0, Carbon = w.Carbon ?? 0, Latency = w.Latency ?? 0 }
                : defaults.Weights,
            Budgets = new Plan.Budgets { MaxCostPerHour = spec.Budgets?.MaxCostPerHour, MaxPowerWatts = spec.Budgets?.MaxPowerWatts },
            Quality = new Plan.QualityThresholds
            {
                MinCosineSimilarity = spec.Quality?.MinCosineSimilarity ?? defaults.Quality.MinCosineSimilarity,
                MaxTop1Disagreement = spec.Quality?.MaxTop1Disagreement ?? defaults.Quality.MaxTop1Disagreement,
            },
            AllowedPrecisions = spec.AllowedPrecisions?.Select(p => p.ToPlanning()).ToList(),
            AllowedAccelerators = spec.AllowedAccelerators,
            AllowUnmeasuredPrecisions = spec.AllowUnmeasuredPrecisions ?? false,
            CarbonIntensityGramsPerKwh = spec.CarbonIntensityGramsPerKwh ?? defaults.CarbonIntensityGramsPerKwh,
            ElectricityPricePerKwh = spec.ElectricityPricePerKwh ?? defaults.ElectricityPricePerKwh,
            HeadroomPercent = spec.HeadroomPercent ?? defaults.HeadroomPercent,
            BaselineAccelerator = spec.BaselineAccelerator ?? defaults.BaselineAccelerator,
        };
    }

    public static Plan.Slo ToPlanning(this ServiceLevelObjective slo) => new()
    {
        LatencyP95Ms = slo.LatencyP95Ms,
        ThroughputRps = slo.ThroughputRps,
        MinReplicas = slo.MinReplicas ?? 1,
    };

    /// <summary>What the service pins; "auto" and absent leave the choice to the planner.</summary>
    public static Plan.Overrides Overrides(this InferenceServiceSpec spec) => new()
    {
        Precision = spec.Precision.ToPlanning(),
        Accelerator = spec.Accelerator is null or "auto" ? null : spec.Accelerator,
        MaxBatchSize = spec.Batching?.MaxBatchSize,
        MaxQueueDelayMs = spec.Batching?.MaxQueueDelayMs,
    };
}
