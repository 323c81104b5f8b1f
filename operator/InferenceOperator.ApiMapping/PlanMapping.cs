using InferenceOperator.Api;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.ApiMapping;

/// <summary>The planner's result as status.plan: figures rounded for people, the explanation and the alternatives.</summary>
public static class PlanMapping
{
    public static PlanStatus ToStatus(this Plan.Plan plan)
    {
        var status = new PlanStatus
        {
            Explanation = plan.Explain(),
            BaselineAccelerator = plan.Baseline?.Accelerator,
            Alternatives = plan.Alternatives.Take(5).Select(a => Alternative(a.Candidate, a.LostBecause)).ToList(),
        };
        if (plan.Chosen is not { } chosen)
        {
            return status;
        }

        status.Accelerator = chosen.Accelerator;
        status.Precision = chosen.Precision.ToApi();
        status.MaxBatchSize = chosen.MaxBatchSize;
        status.MaxQueueDelayMs = (int)Math.Round(chosen.MaxQueueDelayMs, MidpointRounding.AwayFromZero);
        status.Replicas = chosen.Replicas;
        status.PredictedLatencyP95Ms = Round(chosen.PredictedP95Ms, 2);
        status.ThroughputPerReplicaRps = Round(chosen.ThroughputPerReplicaRps, 1);
        status.CostPerHour = Round(chosen.CostPerHour, 4);
        status.CostPerMillionInferences = Round(chosen.CostPerMillionInferences, 4);
        status.PowerWatts = Round(chosen.AverageWatts, 1);
        status.EnergyWhPerThousand = Round(chosen.WattHoursPer1kInferences, 4);
        status.CarbonGramsPerThousand = Round(chosen.GramsCo2ePer1kInferences, 4);
        status.SavingsPercent = plan.Baseline is null ? null : Round(plan.SavingsPercent, 1);
        status.SavingsPerMonth = plan.Baseline is null ? null : Round(plan.SavingsPerMonth, 2);
        status.Measured = Measured(chosen);
        return status;
    }

    private static List<string> Measured(Plan.Candidate chosen)
    {
        var measured = new List<string>();
        if (chosen.ThroughputSource != Plan.EstimateSource.Roofline)
        {
            measured.Add("throughput");
        }

        if (chosen.QualitySource == Plan.QualitySource.Measured)
        {
            measured.Add("quality");
        }

        return measured;
    }

    private static PlanAlternative Alternative(Plan.Candidate candidate, string reason) => new()
    {
        Accelerator = candidate.Accelerator,
        Precision = candidate.Precision.ToApi(),
        MaxBatchSize = candidate.MaxBatchSize,
        Replicas = candidate.Replicas,
        CostPerHour = Round(candidate.CostPerHour, 4),
        PowerWatts = Round(candidate.AverageWatts, 1),
        PredictedLatencyP95Ms = Round(candidate.PredictedP95Ms, 2),
        Reason = reason,
    };

    // Status figures are for people and printer columns; the planner keeps full precision. Never NaN/∞ into the API.
    private static double? Round(double value, int digits) =>
        double.IsFinite(value) ? Math.Round(value, digits, MidpointRounding.AwayFromZero) : null;
}
