using System.Text;

namespace InferenceOperator.Planning;

/// <summary>Turns a plan into one paragraph a person can act on.</summary>
internal static class PlanExplainer
{
    public static string Explain(Plan plan)
    {
        var sb = new StringBuilder(512);
        if (plan.InputErrors.Count > 0)
        {
            sb.Append("No plan: invalid input: ");
            AppendJoined(sb, plan.InputErrors, plan.InputErrors.Count);
            sb.Append('.');
            return sb.ToString();
        }

        if (plan.Chosen is { } c)
        {
            sb.Append("Objective ").Append(Fmt.Name(plan.Objective)).Append(": chose ").Append(c.Accelerator).Append('/').Append(Fmt.Name(c.Precision));
            if (c.ComputePrecision != c.Precision)
            {
                sb.Append(" (weights at ").Append(Fmt.Name(c.Precision)).Append(", arithmetic at ").Append(Fmt.Name(c.ComputePrecision)).Append(": no native path)");
            }

            sb.Append(", batch up to ").Append(Fmt.Int(c.MaxBatchSize))
                .Append(" with max queue delay ").Append(Fmt.Ms(c.MaxQueueDelayMs)).Append(" ms, ")
                .Append(Fmt.Int(c.Replicas)).Append(c.Replicas == 1 ? " replica" : " replicas");
            if (plan.Slo is { } slo)
            {
                sb.Append(" for ").Append(Fmt.Num(slo.ThroughputRps)).Append(" rps peak: p95 ").Append(Fmt.Ms(c.PredictedP95Ms))
                    .Append(" ms (SLO ").Append(Fmt.Ms(slo.LatencyP95Ms)).Append(" ms)");
            }
            else
            {
                sb.Append(": p95 ").Append(Fmt.Ms(c.PredictedP95Ms)).Append(" ms");
            }

            sb.Append(", ").Append(Fmt.Num(c.ThroughputPerReplicaRps)).Append(" rps per replica (").Append(Source(c.ThroughputSource))
                .Append("), ").Append(Fmt.Usd(c.CostPerHour)).Append("/h = ").Append(Fmt.Usd(c.CostPerMillionInferences))
                .Append(" per 1M inferences, ").Append(Fmt.Num(c.AverageWatts)).Append(" W average, ")
                .Append(Fmt.Num(c.WattHoursPer1kInferences)).Append(" Wh and ").Append(Fmt.Num(c.GramsCo2ePer1kInferences))
                .Append(" gCO2e per 1k inferences; quality ").Append(Quality(c)).Append('.');
            if (plan.Baseline is { } b)
            {
                sb.Append(" Against the baseline ").Append(b.Accelerator).Append("/fp32 batch 1 (").Append(Fmt.Usd(b.CostPerHour)).Append("/h): ");
                sb.Append(plan.SavingsPercent >= 0 ? "saves " : "costs ").Append(Fmt.Num(Math.Abs(plan.SavingsPercent)))
                    .Append(plan.SavingsPercent >= 0 ? "%, " : "% more, ").Append(Fmt.UsdWhole(Math.Abs(plan.SavingsPerMonth))).Append(" per month.");
            }

            if (plan.BaselineNote is { } note)
            {
                sb.Append(' ').Append(Capitalised(note)).Append('.');
            }

            if (plan.Alternatives.Count > 0)
            {
                var alt = plan.Alternatives[0];
                sb.Append(" Runner-up ").Append(alt.Candidate.Accelerator).Append('/').Append(Fmt.Name(alt.Candidate.Precision))
                    .Append(": ").Append(alt.LostBecause).Append('.');
            }
        }
        else
        {
            sb.Append("No feasible plan (objective ").Append(Fmt.Name(plan.Objective)).Append("): binding constraint ")
                .Append(plan.BindingConstraint.ToString()).Append(": ").Append(plan.BindingReason).Append('.');
            if (plan.Closest is { } closest)
            {
                sb.Append(" Closest: ").Append(closest.ToString()).Append(", ").Append(Fmt.Int(closest.Replicas))
                    .Append(closest.Replicas == 1 ? " replica, p95 " : " replicas, p95 ").Append(Fmt.Ms(closest.PredictedP95Ms))
                    .Append(" ms, ").Append(Fmt.Usd(closest.CostPerHour)).Append("/h, ").Append(Fmt.Num(closest.AverageWatts)).Append(" W.");
            }
        }

        if (plan.Rejections.Count > 0)
        {
            sb.Append(' ').Append(Fmt.Int(plan.Rejections.Count)).Append(plan.Rejections.Count == 1 ? " rejection: " : " rejections, e.g. ");
            AppendJoined(sb, plan.Rejections, Math.Min(3, plan.Rejections.Count));
            sb.Append('.');
        }

        return sb.ToString();
    }

    private static void AppendJoined<T>(StringBuilder sb, IReadOnlyList<T> items, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append("; ");
            }

            sb.Append(items[i]);
        }
    }

    private static string Source(EstimateSource source) => source switch
    {
        EstimateSource.Measured => "measured",
        EstimateSource.MeasuredScaled => "measured, scaled to this vCPU count",
        _ => "roofline estimate",
    };

    private static string Quality(Candidate c) => c.QualitySource switch
    {
        QualitySource.Reference => "fp32 reference",
        QualitySource.Measured => c.CosineMean is { } cos ? "measured (cosine " + Fmt.Ratio(cos) + ")" : "measured",
        _ => "NOT measured (allowed by policy.allowUnmeasuredPrecisions)",
    };

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
