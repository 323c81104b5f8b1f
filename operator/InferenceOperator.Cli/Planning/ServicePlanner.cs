using System.Text.Json;
using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Cli.Manifests;
using k8s;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Cli.Planning;

/// <summary>One service's plan, with the inputs it was made from.</summary>
internal sealed record ServicePlan(InferenceService Service, string PolicyName, Plan.Plan Plan);

/// <summary>Plans every InferenceService in a manifest set the way the operator would, without a cluster.</summary>
internal sealed class ServicePlanner(Plan.Planner planner)
{
    /// <summary>Catalog: AcceleratorProfiles in the manifests, else the shipped default catalog.</summary>
    public static IReadOnlyList<Plan.AcceleratorProfile> Catalog(ManifestSet set) =>
        (set.Accelerators.Count > 0 ? set.Accelerators : CatalogMapping.DefaultCatalog())
            .Select(a => a.ToPlanning())
            .ToList();

    public IReadOnlyList<ServicePlan> PlanAll(ManifestSet set, IReadOnlyList<Plan.AcceleratorProfile> catalog, ModelProfile? profileOverride)
    {
        var plans = new List<ServicePlan>();
        foreach (var service in set.Services)
        {
            var (policyName, policy) = ResolvePolicy(set, service);
            var profile = profileOverride ?? service.Spec.Model.Profile
                ?? throw new CliException(
                    $"InferenceService/{service.Metadata.Name}: spec.model.profile is absent and no --profile was given: "
                    + "pass --profile FILE (written by `inferctl model profile`) or add profile hints to the manifest");
            var result = planner.Plan(profile.ToPlanning(service.Metadata.Name), service.Spec.Slo.ToPlanning(), policy, catalog, service.Spec.Overrides());
            plans.Add(new ServicePlan(service, policyName, result));
        }

        return plans;
    }

    public static ModelProfile ReadProfile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"--profile {path}: no such file (write one with `inferctl model profile`)");
        }

        try
        {
            return KubernetesJson.Deserialize<ModelProfile>(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new CliException($"--profile {path}: not a model profile ({ex.Message.Split(". Path:", 2)[0]})");
        }
    }

    /// <summary>The service's policy from the manifests (policyRef in its namespace), or the built-in defaults without one.</summary>
    public static (string Name, Plan.Policy Policy) ResolvePolicy(ManifestSet set, InferenceService service)
    {
        if (service.Spec.PolicyRef is not { } reference)
        {
            return ("(default)", new Plan.Policy());
        }

        var policy = set.Policies.FirstOrDefault(p => p.Metadata.Name == reference.Name
            && (p.Metadata.NamespaceProperty ?? "default") == (service.Metadata.NamespaceProperty ?? "default"));
        if (policy is null)
        {
            throw new CliException(
                $"InferenceService/{service.Metadata.Name}: spec.policyRef.name '{reference.Name}' is not among the given manifests: "
                + "add its InferencePolicy with -f, in the same namespace");
        }

        return (reference.Name, policy.Spec.ToPlanning());
    }
}
