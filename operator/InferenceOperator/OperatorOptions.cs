using System.ComponentModel.DataAnnotations;

namespace InferenceOperator;

/// <summary>Operator settings, bound from the "Operator" configuration section (env Operator__*) and validated on start.</summary>
public sealed class OperatorOptions : IValidatableObject
{
    public const string Section = "Operator";

    /// <summary>Image of the serving engine; it also carries inferctl for model fetching and profiling.</summary>
    [Required]
    public string ServingImage { get; set; } = "inferenceoperator/inference-server:0.1.0";

    /// <summary>InferencePolicy used by services without policyRef, looked up in the service's namespace; absent uses built-in defaults.</summary>
    public string? DefaultPolicy { get; set; }

    /// <summary>Path of a kubeconfig to use; empty uses $KUBECONFIG, ~/.kube/config or the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Namespace to watch; empty watches all.</summary>
    public string? WatchNamespace { get; set; }

    /// <summary>Reconciles that may run at once.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>Prometheus address KEDA's triggers query.</summary>
    public string PrometheusAddress { get; set; } = "http://prometheus-operated.monitoring.svc:9090";

    /// <summary>Custom metric name of GPU utilisation as prometheus-adapter serves it.</summary>
    public string GpuUtilizationMetric { get; set; } = "DCGM_FI_DEV_GPU_UTIL";

    /// <summary>Pods metric of the engine's queue depth as prometheus-adapter serves it (the engine exports inference_queue_depth).</summary>
    [Required]
    public string QueueDepthMetric { get; set; } = "inference_queue_depth";

    /// <summary>Pods metric of requests per second per pod (prometheus-adapter's rate of inference_requests_total).</summary>
    [Required]
    public string RequestRateMetric { get; set; } = "inference_requests_per_second";

    /// <summary>
    /// PromQL for KEDA's request-rate trigger, with {namespace} and {service} placeholders. It reads the rate at the ingress,
    /// not from the pods: only a series that exists while the service has zero pods can wake it from zero.
    /// </summary>
    [Required]
    public string KedaRequestRateQuery { get; set; } =
        "sum(rate(nginx_ingress_controller_requests{exported_namespace=\"{namespace}\",exported_service=\"{service}\"}[1m]))";

    /// <summary>Port of the operator's /metrics endpoint.</summary>
    [Range(1, 65535)]
    public int MetricsPort { get; set; } = 8080;

    /// <summary>Port of the operator's /healthz and /readyz endpoints.</summary>
    [Range(1, 65535)]
    public int HealthPort { get; set; } = 8081;

    /// <summary>
    /// How often services that are not Ready (or whose latest generation is not observed yet) are reconciled again even
    /// if no watch reports a change, in seconds: what they wait for may be something no event announces.
    /// </summary>
    [Range(1, 3600)]
    public int NotReadyResyncSeconds { get; set; } = 30;

    /// <summary>How often every service is reconciled again, in seconds (a converged one makes no write calls).</summary>
    [Range(1, 86400)]
    public int FullResyncSeconds { get; set; } = 600;

    /// <summary>Port of the serving engine's REST endpoint (and /metrics).</summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 8080;

    /// <summary>Port of the serving engine's gRPC endpoint.</summary>
    [Range(1, 65535)]
    public int GrpcPort { get; set; } = 8081;

    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>Rules between settings, checked with the data annotations on start.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FullResyncSeconds < NotReadyResyncSeconds)
        {
            yield return new ValidationResult(
                $"FullResyncSeconds ({FullResyncSeconds}) must not be shorter than NotReadyResyncSeconds ({NotReadyResyncSeconds})",
                [nameof(FullResyncSeconds), nameof(NotReadyResyncSeconds)]);
        }

        foreach (var problem in LeaderElection.Problems())
        {
            yield return new ValidationResult($"LeaderElection: {problem}", [nameof(LeaderElection)]);
        }
    }
}

/// <summary>Leader election through a coordination.k8s.io Lease.</summary>
public sealed class LeaderElectionOptions
{
    public bool Enabled { get; set; }

    public string Namespace { get; set; } = "inference-operator-system";

    public string LeaseName { get; set; } = "inference-operator";

    /// <summary>This replica's identity; default the host name.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease is valid without renewal: a crashed leader's successor waits this long.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it stops reconciling; shorter than LeaseDuration.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire, and the leader to renew; shorter than RenewDeadline.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Why these timings cannot work (client-go's rules: retry &lt; renew deadline &lt; lease duration, whole seconds for the lease).</summary>
    internal IEnumerable<string> Problems()
    {
        if (RetryPeriod <= TimeSpan.Zero)
        {
            yield return $"RetryPeriod ({RetryPeriod}) must be positive";
        }

        if (RenewDeadline <= RetryPeriod)
        {
            yield return $"RenewDeadline ({RenewDeadline}) must be longer than RetryPeriod ({RetryPeriod})";
        }

        if (LeaseDuration <= RenewDeadline)
        {
            yield return $"LeaseDuration ({LeaseDuration}) must be longer than RenewDeadline ({RenewDeadline})";
        }

        // The Lease stores leaseDurationSeconds as an integer.
        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return $"LeaseDuration ({LeaseDuration}) must be a whole number of seconds, at least 1";
        }
    }
}
