using InferenceOperator.Api;
using InferenceOperator.Desired;
using InferenceOperator.Kube;
using k8s;
using k8s.Models;

namespace InferenceOperator.Controllers;

/// <summary>The informer caches the reconciler reads from: every object it decides on comes from here, never from an event copy.</summary>
internal sealed record OperatorCaches(
    IEntityCache<InferenceService> Services,
    IEntityCache<InferencePolicy> Policies,
    IEntityCache<AcceleratorProfile> Accelerators,
    IEntityCache<V1Deployment> Deployments,
    IEntityCache<V1Job> Jobs,
    IEntityCache<V1Pod> ProfilePods,
    IEntityCache<V1Pod> ServingPods,
    IEntityCache<V1ConfigMap> ConfigMaps,
    IEntityCache<V1Service> KubeServices,
    IEntityCache<V1PodDisruptionBudget> DisruptionBudgets,
    IEntityCache<V2HorizontalPodAutoscaler> Autoscalers);

/// <summary>Typed clients for every kind the operator writes, all under one field manager.</summary>
internal sealed class OperatorClients(IKubernetes kubernetes, string fieldManager = OperatorClients.FieldManager)
{
    public const string FieldManager = "inference-operator";

    public IKubernetes Kubernetes { get; } = kubernetes;

    public EntityClient<InferenceService> Services { get; } = new(kubernetes, fieldManager);

    public EntityClient<InferencePolicy> Policies { get; } = new(kubernetes, fieldManager);

    public EntityClient<AcceleratorProfile> Accelerators { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1Deployment> Deployments { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1Job> Jobs { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1Pod> Pods { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1ConfigMap> ConfigMaps { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1Service> KubeServices { get; } = new(kubernetes, fieldManager);

    public EntityClient<V1PodDisruptionBudget> DisruptionBudgets { get; } = new(kubernetes, fieldManager);

    public EntityClient<V2HorizontalPodAutoscaler> Autoscalers { get; } = new(kubernetes, fieldManager);

    public EntityClient<ScaledObject> ScaledObjects { get; } = new(kubernetes, fieldManager);
}
