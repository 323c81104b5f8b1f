using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Kube;
using k8s.Models;

namespace InferenceOperator.Tests;

/// <summary>Fixed inputs for the manifest builders: a service, a plan and the catalog's CPU and T4 profiles.</summary>
internal static class Fixtures
{
    public static OperatorOptions Options() => new() { ServingImage = "inferenceoperator/inference-server:0.1.0" };

    public static InferenceService Service(Action<InferenceServiceSpec>? configure = null)
    {
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "minilm", NamespaceProperty = "search", Uid = "6f1c2a8e-0000-4000-8000-000000000001", Generation = 3 },
            Spec = new InferenceServiceSpec
            {
                Model = new ModelSpec { Uri = "https://models.example.com/minilm/model.onnx", Sha256 = new string('a', 64) },
                Slo = new ServiceLevelObjective { LatencyP95Ms = 50, ThroughputRps = 300, MinReplicas = 2 },
                Template = new PodTemplateOverrides { Labels = new Dictionary<string, string> { ["team"] = "search" } },
            },
        };
        configure?.Invoke(service.Spec);
        return service;
    }

    public static PlanStatus Plan(string accelerator = "cpu-x86", int replicas = 4) => new()
    {
        Accelerator = accelerator,
        Precision = accelerator == "cpu-x86" ? Precision.Int8 : Precision.Fp16,
        MaxBatchSize = 8,
        MaxQueueDelayMs = 12,
        Replicas = replicas,
        ThroughputPerReplicaRps = 110,
        CostPerHour = 0.5 * replicas,
        PowerWatts = 25 * replicas,
    };

    public static AcceleratorProfile Accelerator(string name) => CatalogMapping.DefaultCatalog().Single(a => a.Metadata.Name == name);

    public static InferencePolicySpec Policy(double? maxCost = null, double? maxWatts = null, double headroom = 20) => new()
    {
        Budgets = new Budgets { MaxCostPerHour = maxCost, MaxPowerWatts = maxWatts },
        HeadroomPercent = headroom,
    };

    public static V1Condition? Condition(InferenceServiceStatus status, string type) => Conditions.Find(status.Conditions, type);
}
