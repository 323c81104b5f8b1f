using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Reports;

/// <summary>
/// For reports from offline manifests (no cluster, so no status): plans each service that has no status.plan the way the
/// operator would, from spec.model.profile, its policy and the catalog, with the plan's replicas as the running ones.
/// </summary>
public static class OfflinePlans
{
    /// <summary>
    /// A copy of <paramref name="request"/> whose services without status.plan carry the planner's plan (and the profile
    /// it was made from). Services that already have a plan, or have no spec.model.profile, are passed through unchanged;
    /// the inputs are never modified. An infeasible plan is kept, so the row reads "no plan: &lt;why&gt;".
    /// </summary>
    public static ReportRequest PlanMissing(ReportRequest request, Plan.Planner? planner = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        planner ??= new Plan.Planner();
        var catalog = request.Catalog.Select(a => a.ToPlanning()).ToList();
        var services = new List<InferenceService>(request.Services.Count);
        foreach (var service in request.Services)
        {
            if (service.Status?.Plan is not null || service.Spec.Model.Profile is not { } profile)
            {
                services.Add(service);
                continue;
            }

            var key = ReportBuilder.Key(service);
            var (_, policy) = ReportBuilder.ResolvePolicy(service, key, request, []);
            var plan = planner.Plan(profile.ToPlanning(key.Name), service.Spec.Slo.ToPlanning(), policy.ToPlanning(), catalog, service.Spec.Overrides());
            var status = plan.ToStatus();
            services.Add(new InferenceService
            {
                ApiVersion = service.ApiVersion,
                Kind = service.Kind,
                Metadata = service.Metadata,
                Spec = service.Spec,
                Status = new InferenceServiceStatus { Plan = status, ModelProfile = profile, Replicas = status.Replicas },
            });
        }

        return request with { Services = services };
    }
}
