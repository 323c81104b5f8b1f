using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Desired;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using InferenceOperator.Planning;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Hosting;

/// <summary>Tuning of the informers and the work queue (tests shorten the timings).</summary>
internal sealed record RuntimeTuning
{
    public InformerOptions Informers { get; init; } = new();

    public WorkQueueOptions Queue { get; init; } = new();
}

/// <summary>
/// The operator wired together: one informer per kind the reconciler reads, the controller mapping their events to
/// InferenceService keys, and the reconciler. The host and the integration tests build it the same way.
/// </summary>
internal sealed class OperatorRuntime
{
    public const string ControllerName = "inferenceservice";

    public OperatorRuntime(
        IKubernetes kubernetes,
        IOptions<OperatorOptions> settings,
        OperatorMetrics metrics,
        EventRecorder events,
        ILoggerFactory loggers,
        TimeProvider time,
        RuntimeTuning? tuning = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        tuning ??= new RuntimeTuning();
        var options = settings.Value;
        Options = options;
        Clients = new OperatorClients(kubernetes);
        var scope = string.IsNullOrEmpty(options.WatchNamespace) ? null : options.WatchNamespace;
        var scoped = tuning.Informers with { Namespace = scope };
        var informerLog = loggers.CreateLogger("InferenceOperator.Informer");
        Informer<T> Inform<T>(EntityClient<T> client, InformerOptions informerOptions)
            where T : class, IKubernetesObject<V1ObjectMeta> => new(client, informerOptions, informerLog, time);

        Services = Inform(Clients.Services, scoped with { SkipStatusOnlyUpdates = true });
        Policies = Inform(Clients.Policies, scoped);
        Accelerators = Inform(Clients.Accelerators, tuning.Informers with { Namespace = null });
        Deployments = Inform(Clients.Deployments, scoped with { LabelSelector = ManagedSelector });
        Jobs = Inform(Clients.Jobs, scoped with { LabelSelector = ManagedSelector });
        ProfilePods = Inform(Clients.Pods, scoped with { LabelSelector = ProfileJob.PodSelector });
        ServingPods = Inform(Clients.Pods, scoped with { LabelSelector = Desired.ServingPods.Selector });
        ConfigMaps = Inform(Clients.ConfigMaps, scoped with { LabelSelector = ManagedSelector });
        KubeServices = Inform(Clients.KubeServices, scoped with { LabelSelector = ManagedSelector });
        DisruptionBudgets = Inform(Clients.DisruptionBudgets, scoped with { LabelSelector = ManagedSelector });
        Autoscalers = Inform(Clients.Autoscalers, scoped with { LabelSelector = ManagedSelector });
        Caches = new OperatorCaches(Services, Policies, Accelerators, Deployments, Jobs, ProfilePods, ServingPods, ConfigMaps, KubeServices, DisruptionBudgets, Autoscalers);

        Reconciler = new InferenceServiceReconciler(Caches, Clients, events, metrics, settings, new Planner(), time, loggers.CreateLogger<InferenceServiceReconciler>());
        Controller = new Controller<InferenceService>(ControllerName, Services, Reconciler, tuning.Queue with { MaxParallelism = options.Parallelism }, loggers.CreateLogger("InferenceOperator.Controller"), metrics, time)
            .Owns(Deployments)
            .Owns(Jobs)
            .Owns(ConfigMaps)
            .Owns(KubeServices)
            .Owns(DisruptionBudgets)
            .Owns(Autoscalers)
            .Watches(ProfilePods, ServiceOf)
            .Watches(ServingPods, ServiceOf)
            .Watches(Policies, policy => InferenceServiceReconciler.AffectedBy(policy, Services, options))
            .Watches(Accelerators, profile => InferenceServiceReconciler.AffectedBy(profile, Services, Policies, options))
            .ResyncEvery(TimeSpan.FromSeconds(options.NotReadyResyncSeconds), InferenceServiceReconciler.IsUnsettled)
            .ResyncEvery(TimeSpan.FromSeconds(options.FullResyncSeconds));
    }

    /// <summary>Pods are owned by Jobs and ReplicaSets, not by the service: the service label names it.</summary>
    private static IEnumerable<ObjectKey> ServiceOf(V1Pod pod) =>
        ServingLabels.Value(pod.Metadata.Labels, ServingLabels.ServiceLabel) is { } owner ? [new ObjectKey(pod.Metadata.NamespaceProperty, owner)] : [];

    /// <summary>Owned objects carry this label; the reconciler confirms a cache miss with a GET, so a foreign object of the same name is still seen.</summary>
    public static string ManagedSelector => $"app.kubernetes.io/managed-by={ServingLabels.ManagedBy}";

    public OperatorOptions Options { get; }

    public OperatorClients Clients { get; }

    public OperatorCaches Caches { get; }

    public InferenceServiceReconciler Reconciler { get; }

    public Controller<InferenceService> Controller { get; }

    public Informer<InferenceService> Services { get; }

    public Informer<InferencePolicy> Policies { get; }

    public Informer<Api.AcceleratorProfile> Accelerators { get; }

    public Informer<V1Deployment> Deployments { get; }

    public Informer<V1Job> Jobs { get; }

    public Informer<V1Pod> ProfilePods { get; }

    public Informer<V1Pod> ServingPods { get; }

    public Informer<V1ConfigMap> ConfigMaps { get; }

    public Informer<V1Service> KubeServices { get; }

    public Informer<V1PodDisruptionBudget> DisruptionBudgets { get; }

    public Informer<V2HorizontalPodAutoscaler> Autoscalers { get; }

    /// <summary>True once every informer has listed: /readyz reports ready from then on.</summary>
    public bool HasSynced => new IInformer[] { Services, Policies, Accelerators, Deployments, Jobs, ProfilePods, ServingPods, ConfigMaps, KubeServices, DisruptionBudgets, Autoscalers }.All(i => i.HasSynced);

    /// <summary>Runs the informers (leader or follower: caches stay warm).</summary>
    public Task RunInformersAsync(CancellationToken cancellationToken) => Controller.RunInformersAsync(cancellationToken);

    /// <summary>Reconciles until cancelled (the lease is lost or the host stops).</summary>
    public Task ReconcileAsync(CancellationToken cancellationToken) => Controller.ReconcileAsync(cancellationToken);

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => Controller.WaitForSyncAsync(cancellationToken);
}
