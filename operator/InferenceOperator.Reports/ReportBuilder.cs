using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Reports.Traffic;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Reports;

/// <summary>
/// Builds a <see cref="FinOpsReport"/> from InferenceServices, their policies, the catalog and (optionally) observed traffic.
/// Never throws for bad input: a service without a plan, a price missing from the catalog, zero traffic or no Prometheus
/// each become a marked gap (<see cref="ReportGap"/>) and the report still renders.
/// </summary>
/// <param name="traffic">Observed traffic (Prometheus); null renders the observed columns as "n/a (no Prometheus)".</param>
/// <param name="planner">Planner for baselines and opportunities; null uses a default one.</param>
public sealed class ReportBuilder(ITrafficSource? traffic = null, Plan.Planner? planner = null)
{
    private readonly Plan.Planner planner = planner ?? new Plan.Planner();

    /// <summary>Asks the traffic source (if any) for the window, then builds the report.</summary>
    public async Task<FinOpsReport> BuildAsync(ReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = traffic is null
            ? TrafficSnapshot.Unavailable("no Prometheus URL given")
            : await traffic.ObserveAsync(request.Services.Select(Key).Distinct().ToList(), request.End, request.Window, cancellationToken).ConfigureAwait(false);
        return Build(request, snapshot);
    }

    /// <summary>Builds the report from an already taken traffic snapshot (pure: no I/O).</summary>
    public FinOpsReport Build(ReportRequest request, TrafficSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(snapshot);
        var catalog = request.Catalog.Select(a => a.ToPlanning()).ToList();
        var windowHours = (decimal)request.Window.TotalSeconds / 3600m;
        var rows = request.Services
            .Select(s => Row(s, request, catalog, snapshot, windowHours))
            .OrderBy(r => r.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        var namespaces = rows
            .GroupBy(r => r.Namespace, StringComparer.Ordinal)
            .Select(g => Totals(g.Key, g.ToList()))
            .ToList();
        return new FinOpsReport
        {
            GeneratedAt = request.End,
            Window = request.Window,
            TrafficAvailable = snapshot.Available,
            TrafficUnavailableReason = snapshot.Available ? null : snapshot.UnavailableReason ?? "no Prometheus",
            Services = rows,
            Namespaces = namespaces,
            Total = Totals(null, rows),
        };
    }

    internal static ServiceKey Key(InferenceService service) =>
        new(service.Metadata.NamespaceProperty ?? "default", service.Metadata.Name ?? "");

    private ServiceReport Row(InferenceService service, ReportRequest request, IReadOnlyList<Plan.AcceleratorProfile> catalog, TrafficSnapshot snapshot, decimal windowHours)
    {
        var key = Key(service);
        var gaps = new List<ReportGap>();
        var (policyName, policySpec) = ResolvePolicy(service, key, request, gaps);
        var policy = policySpec.ToPlanning();
        var plan = service.Status?.Plan;
        var hasPlan = plan?.Accelerator is not null;
        if (!hasPlan)
        {
            var why = plan?.Explanation is { Length: > 0 } explanation ? ": " + explanation : ": status.plan is absent (not planned yet, or no feasible plan)";
            gaps.Add(new(GapKind.NoPlan, "no plan" + why));
        }

        int? replicas = hasPlan ? service.Status?.Replicas ?? plan!.Replicas : null;
        var entry = hasPlan ? request.Catalog.FirstOrDefault(a => string.Equals(a.Metadata.Name, plan!.Accelerator, StringComparison.Ordinal)) : null;
        decimal? price = entry is not null && ReportRounding.ToDecimal(entry.Spec.PricePerHour) is { } p && p > 0 ? p : null;
        if (hasPlan && price is null)
        {
            gaps.Add(new(GapKind.PriceMissing, entry is null
                ? "price missing: accelerator '" + plan!.Accelerator + "' is not in the catalog"
                : "price missing: AcceleratorProfile '" + plan!.Accelerator + "' has no pricePerHour"));
        }

        // Observed traffic.
        var observed = snapshot.Available ? snapshot.For(key) : new ServiceTraffic(null, null);
        TrafficState state;
        if (!snapshot.Available)
        {
            state = TrafficState.NoPrometheus;
            gaps.Add(new(GapKind.NoPrometheus, "observed columns n/a: " + (snapshot.UnavailableReason ?? "no Prometheus")));
        }
        else if (observed.Inferences is null)
        {
            state = TrafficState.NoData;
            gaps.Add(new(GapKind.NoTrafficData, "no inference_requests_total series for model=\"" + key.Name + "\" in " + key.Namespace + " (not scraped, or never called)"));
        }
        else if (observed.Inferences == 0)
        {
            state = TrafficState.ZeroTraffic;
            gaps.Add(new(GapKind.ZeroTraffic, "zero inferences in the window: $/1M is n/a"));
        }
        else
        {
            state = TrafficState.Observed;
        }

        var busy = ReportRounding.ToDecimal(observed.BusyRatio);

        // Power: from the observed busy ratio and the catalog's idle/board watts when both exist, else the plan's (per replica).
        decimal? watts = null;
        if (hasPlan && replicas is { } running)
        {
            if (busy is { } b && entry is not null)
            {
                var board = (decimal)entry.Spec.BoardPowerWatts;
                var idle = ReportRounding.ToDecimal(entry.Spec.IdlePowerWatts) ?? (board * 0.25m);
                watts = running * (idle + ((board - idle) * b));
            }
            else if (ReportRounding.ToDecimal(plan!.PowerWatts) is { } planned && plan.Replicas is > 0 and var planReplicas)
            {
                watts = planned * running / planReplicas;
            }
        }

        // Cost: replicas x catalog price + electricity, as the planner computes it; n/a without a price.
        decimal? costPerHour = null;
        if (price is { } unitPrice && replicas is { } r)
        {
            var electricity = ReportRounding.ToDecimal(policy.ElectricityPricePerKwh) ?? 0m;
            costPerHour = (r * unitPrice) + ((watts ?? 0m) / 1000m * electricity);
        }

        var costPerMonth = costPerHour is { } c1 ? ReportRounding.Cents(c1 * ReportRounding.HoursPerMonth) : (decimal?)null;
        var windowCost = costPerHour is { } c2 ? ReportRounding.Cents(c2 * windowHours) : (decimal?)null;
        decimal? costPerMillion = state == TrafficState.Observed && windowCost is { } wc
            ? ReportRounding.Round(wc / observed.Inferences!.Value * 1_000_000m, 4)
            : null;
        var kwhExact = watts is { } w ? w * ReportRounding.HoursPerMonth / 1000m : (decimal?)null;
        var intensity = ReportRounding.ToDecimal(policy.CarbonIntensityGramsPerKwh) ?? 0m;

        // Baseline and opportunities need the model profile to re-plan.
        var profile = service.Status?.ModelProfile ?? service.Spec.Model.Profile;
        string? baselineAccelerator = null;
        decimal? baselineMonth = null;
        IReadOnlyList<Opportunity> opportunities = [];
        if (profile is not null)
        {
            var model = profile.ToPlanning(key.Name);
            var slo = service.Spec.Slo.ToPlanning();
            var overrides = service.Spec.Overrides();
            var replan = planner.Plan(model, slo, policy, catalog, overrides);
            if (replan.Baseline is { } baseline && ReportRounding.ToDecimal(baseline.CostPerHour) is { } baselineHour)
            {
                baselineAccelerator = baseline.Accelerator;
                baselineMonth = ReportRounding.Cents(baselineHour * ReportRounding.HoursPerMonth);
            }
            else
            {
                gaps.Add(new(GapKind.BaselineUnavailable, "savings n/a: " + (replan.BaselineNote ?? string.Join("; ", replan.InputErrors))));
            }

            opportunities = OpportunityFinder.Find(planner, model, slo, policy, catalog, overrides);
        }
        else
        {
            gaps.Add(new(GapKind.NoModelProfile, "no model profile (status.modelProfile, spec.model.profile): savings from status.plan, no opportunities"));
            if (hasPlan && ReportRounding.ToDecimal(plan!.CostPerHour) is { } plannedHour && ReportRounding.ToDecimal(plan.SavingsPerMonth) is { } plannedSavings)
            {
                // status.plan.savingsPerMonth = (baseline - chosen) $/h x 730, so baseline $/month = chosen $/h x 730 + savings.
                baselineAccelerator = plan.BaselineAccelerator;
                baselineMonth = ReportRounding.Cents((plannedHour * ReportRounding.HoursPerMonth) + plannedSavings);
            }
        }

        decimal? savings = baselineMonth is { } bm && costPerMonth is { } cm ? bm - cm : null;
        decimal? savingsPercent = savings is { } s && baselineMonth is > 0m ? ReportRounding.Round(s / baselineMonth.Value * 100m, 1) : null;

        return new ServiceReport
        {
            Namespace = key.Namespace,
            Name = key.Name,
            Policy = policyName,
            Objective = policySpec?.Objective ?? Objective.Cost,
            Accelerator = hasPlan ? plan!.Accelerator : null,
            Precision = hasPlan ? plan!.Precision : null,
            Replicas = replicas,
            CostPerHour = costPerHour is { } h ? ReportRounding.Round(h, 4) : null,
            CostPerMonth = costPerMonth,
            WindowCost = windowCost,
            Traffic = state,
            Inferences = observed.Inferences,
            CostPerMillion = costPerMillion,
            Utilisation = busy is { } u ? ReportRounding.Round(u, 3) : null,
            PowerWatts = watts is { } pw ? ReportRounding.Round(pw, 1) : null,
            KwhPerMonth = kwhExact is { } k ? ReportRounding.Cents(k) : null,
            KgCo2ePerMonth = kwhExact is { } k2 ? ReportRounding.Cents(k2 * intensity / 1000m) : null,
            BaselineAccelerator = baselineMonth is null ? null : baselineAccelerator,
            BaselineCostPerMonth = savings is null ? null : baselineMonth,
            SavingsPerMonth = savings,
            SavingsPercent = savingsPercent,
            Opportunities = opportunities,
            Gaps = gaps,
        };
    }

    internal static (string Name, InferencePolicySpec? Spec) ResolvePolicy(InferenceService service, ServiceKey key, ReportRequest request, List<ReportGap> gaps)
    {
        if (service.Spec.PolicyRef is not { } reference)
        {
            return ("(default)", request.DefaultPolicy);
        }

        var policy = request.Policies.FirstOrDefault(p => string.Equals(p.Metadata.Name, reference.Name, StringComparison.Ordinal)
            && string.Equals(p.Metadata.NamespaceProperty ?? "default", key.Namespace, StringComparison.Ordinal));
        if (policy is null)
        {
            gaps.Add(new(GapKind.PolicyMissing, "InferencePolicy '" + reference.Name + "' not found in " + key.Namespace + ": default policy used"));
            return (reference.Name + " (missing)", request.DefaultPolicy);
        }

        return (reference.Name, policy.Spec);
    }

    /// <summary>Sums of the rounded service figures (never re-rounded); services without cost are counted and left out.</summary>
    internal static ReportTotals Totals(string? ns, IReadOnlyList<ServiceReport> rows)
    {
        var observed = rows.Where(r => r.Traffic == TrafficState.Observed && r.WindowCost is not null).ToList();
        var observedInferences = observed.Sum(r => r.Inferences!.Value);
        var withUtilisation = rows.Where(r => r.Utilisation is not null && r.Replicas is > 0).ToList();
        var utilisationReplicas = withUtilisation.Sum(r => r.Replicas!.Value);
        var withSavings = rows.Where(r => r.SavingsPerMonth is not null).ToList();
        var baseline = withSavings.Sum(r => r.BaselineCostPerMonth!.Value);
        var savings = withSavings.Sum(r => r.SavingsPerMonth!.Value);
        var counted = rows.Where(r => r.Inferences is not null).ToList();
        return new ReportTotals
        {
            Namespace = ns,
            Services = rows.Count,
            ServicesWithoutCost = rows.Count(r => r.CostPerMonth is null),
            Replicas = rows.Sum(r => r.Replicas ?? 0),
            CostPerHour = rows.Sum(r => r.CostPerHour ?? 0m),
            CostPerMonth = rows.Sum(r => r.CostPerMonth ?? 0m),
            WindowCost = rows.Sum(r => r.WindowCost ?? 0m),
            Inferences = counted.Count == 0 ? null : counted.Sum(r => r.Inferences!.Value),
            CostPerMillion = observedInferences > 0
                ? ReportRounding.Round(observed.Sum(r => r.WindowCost!.Value) / observedInferences * 1_000_000m, 4)
                : null,
            Utilisation = utilisationReplicas > 0
                ? ReportRounding.Round(withUtilisation.Sum(r => r.Utilisation!.Value * r.Replicas!.Value) / utilisationReplicas, 3)
                : null,
            PowerWatts = rows.Sum(r => r.PowerWatts ?? 0m),
            KwhPerMonth = rows.Sum(r => r.KwhPerMonth ?? 0m),
            KgCo2ePerMonth = rows.Sum(r => r.KgCo2ePerMonth ?? 0m),
            BaselineCostPerMonth = baseline,
            SavingsPerMonth = savings,
            SavingsPercent = baseline > 0 ? ReportRounding.Round(savings / baseline * 100m, 1) : null,
        };
    }
}
