using System.Globalization;
using InferenceOperator.ApiMapping;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Reports;

/// <summary>
/// Re-plans a service under another objective, or with precisions its policy or spec excludes, and keeps the re-plans that
/// cost less than the current plan. Both sides are planned figures at the SLO's peak, so the comparison is like for like.
/// </summary>
internal static class OpportunityFinder
{
    public const int MaxPerService = 3;

    /// <summary>Re-plans saving less than this share of the planned $/month are noise (electricity rounding), not opportunities.</summary>
    public const decimal MinSavingsPercent = 1m;

    private static readonly Plan.Objective[] Objectives = [Plan.Objective.Cost, Plan.Objective.Energy, Plan.Objective.Carbon];

    public static IReadOnlyList<Opportunity> Find(Plan.Planner planner, Plan.ModelProfile model, Plan.Slo slo, Plan.Policy policy, IReadOnlyList<Plan.AcceleratorProfile> catalog, Plan.Overrides overrides)
    {
        var current = planner.Plan(model, slo, policy, catalog, overrides);
        if (current.Chosen is not { } now)
        {
            return [];
        }

        var variants = new List<(string Change, Plan.Policy Policy, Plan.Overrides Overrides, bool Precision)>();
        foreach (var objective in Objectives.Where(o => o != policy.Objective))
        {
            variants.Add(("objective " + Name(objective), policy with { Objective = objective }, overrides, false));
        }

        var open = policy with { AllowedPrecisions = null };
        var unpinned = overrides with { Precision = null };
        if (policy.AllowedPrecisions is not null || overrides.Precision is not null)
        {
            variants.Add(("allow", open, unpinned, true));
        }

        if (!policy.AllowUnmeasuredPrecisions)
        {
            variants.Add(("allow unmeasured", open with { AllowUnmeasuredPrecisions = true }, unpinned, true));
        }

        var nowMonth = ReportRounding.Cents(Money(now.CostPerHour) * ReportRounding.HoursPerMonth);
        var found = new List<Opportunity>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (change, variantPolicy, variantOverrides, precision) in variants)
        {
            if (planner.Plan(model, slo, variantPolicy, catalog, variantOverrides).Chosen is not { } alt || !seen.Add(alt.ToString()))
            {
                continue;
            }

            var altMonth = ReportRounding.Cents(Money(alt.CostPerHour) * ReportRounding.HoursPerMonth);
            var savings = nowMonth - altMonth;
            if (savings <= 0 || nowMonth <= 0)
            {
                continue;
            }

            var percent = ReportRounding.Round(savings / nowMonth * 100m, 1);
            if (percent < MinSavingsPercent)
            {
                continue;
            }

            var quality = Quality(alt, policy);
            var label = precision ? change + " " + Name(alt.Precision) : change;
            found.Add(new Opportunity
            {
                Change = label,
                Accelerator = alt.Accelerator,
                Precision = alt.Precision.ToApi(),
                MaxBatchSize = alt.MaxBatchSize,
                Replicas = alt.Replicas,
                CostPerMonth = altMonth,
                SavingsPerMonth = savings,
                SavingsPercent = percent,
                KwhPerMonthChange = ReportRounding.Cents(Money(alt.AverageWatts - now.AverageWatts) * ReportRounding.HoursPerMonth / 1000m),
                Quality = quality,
                Summary = string.Create(CultureInfo.InvariantCulture, $"{label}: {quality}: -{percent:0.#}% $/month ({alt}, -{ReportText.Usd(savings)}/month)"),
            });
        }

        return found
            .OrderByDescending(o => o.SavingsPerMonth)
            .ThenBy(o => o.Change, StringComparer.Ordinal)
            .Take(MaxPerService)
            .ToList();
    }

    /// <summary>The quality cost of the candidate's precision, in words.</summary>
    internal static string Quality(Plan.Candidate candidate, Plan.Policy policy)
    {
        var name = Name(candidate.Precision);
        return candidate.QualitySource switch
        {
            Plan.QualitySource.Reference => name + " is the reference: no quality cost",
            Plan.QualitySource.Measured when candidate.CosineMean is { } cosine && policy.Quality.MinCosineSimilarity is { } min =>
                string.Create(CultureInfo.InvariantCulture, $"{name} passes the quality gate (cosine {cosine:0.0####} >= {min:0.0####})"),
            Plan.QualitySource.Measured => name + " passes the quality gate",
            _ => name + " quality unmeasured: measure it against fp32 before adopting",
        };
    }

    private static decimal Money(double value) => ReportRounding.ToDecimal(value) ?? 0m;

    private static string Name(Plan.Precision precision) => precision switch
    {
        Plan.Precision.Fp32 => "fp32",
        Plan.Precision.Fp16 => "fp16",
        Plan.Precision.Int8 => "int8",
        _ => "int4",
    };

    private static string Name(Plan.Objective objective) => objective switch
    {
        Plan.Objective.Cost => "cost",
        Plan.Objective.Energy => "energy",
        _ => "carbon",
    };
}
