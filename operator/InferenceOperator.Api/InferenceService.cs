using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;
using k8s.Models;

namespace InferenceOperator.Api;

/// <summary>An ONNX model served to meet a latency/throughput SLO at the lowest cost, energy or carbon its InferencePolicy asks for.</summary>
[KubernetesEntity(Group = Groups.Name, ApiVersion = Groups.Version, Kind = "InferenceService", PluralName = "inferenceservices")]
[Resource("inferenceservice", namespaced: true, ShortNames = ["infsvc"], Categories = ["inference"])]
[PrinterColumn("Precision", "string", ".status.plan.precision", Order = 1, Description = "Precision the model is served at")]
[PrinterColumn("Accelerator", "string", ".status.plan.accelerator", Order = 2, Description = "AcceleratorProfile the pods run on")]
[PrinterColumn("Replicas", "integer", ".status.replicas", Order = 3, Description = "Serving pods")]
[PrinterColumn("$/h", "number", ".status.plan.costPerHour", Order = 4, Description = "Planned cost per hour in USD")]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 6)]
[PrinterColumn("Endpoint", "string", ".status.endpoint", Order = 7, Priority = 1)]
public sealed class InferenceService() : InferenceResource(KindName)
{
    public const string KindName = "InferenceService";

    /// <summary>What to serve and how well.</summary>
    [JsonPropertyName("spec")]
    [RequiredField]
    public InferenceServiceSpec Spec { get; set; } = new();

    /// <summary>What the operator decided and observed.</summary>
    [JsonPropertyName("status")]
    public InferenceServiceStatus? Status { get; set; }
}

/// <summary>The model, its SLO and the choices a user may pin instead of leaving them to the planner.</summary>
[ValidationRule("!has(self.batching) || !has(self.batching.maxQueueDelayMs) || double(self.batching.maxQueueDelayMs) < self.slo.latencyP95Ms", "batching.maxQueueDelayMs must be below slo.latencyP95Ms: a request would wait out its whole latency budget in the queue")]
[ValidationRule("!has(self.autoscaling) || !has(self.autoscaling.maxReplicas) || !has(self.slo.minReplicas) || self.slo.minReplicas <= self.autoscaling.maxReplicas", "slo.minReplicas must not exceed autoscaling.maxReplicas")]
public sealed class InferenceServiceSpec
{
    /// <summary>The model to serve.</summary>
    [JsonPropertyName("model")]
    [RequiredField]
    public ModelSpec Model { get; set; } = new();

    /// <summary>Latency and throughput the service must meet.</summary>
    [JsonPropertyName("slo")]
    [RequiredField]
    public ServiceLevelObjective Slo { get; set; } = new();

    /// <summary>InferencePolicy in the same namespace; absent means the operator's configured default policy.</summary>
    [JsonPropertyName("policyRef")]
    public PolicyReference? PolicyRef { get; set; }

    /// <summary>Pin the precision (auto lets the planner choose within the policy).</summary>
    [JsonPropertyName("precision")]
    [Default("auto")]
    public PrecisionChoice? Precision { get; set; }

    /// <summary>Pin an AcceleratorProfile by name (auto lets the planner choose within the policy).</summary>
    [JsonPropertyName("accelerator")]
    [Default("auto")]
    [Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    [Length(1, 253)]
    public string? Accelerator { get; set; }

    /// <summary>Pin the dynamic batching limits.</summary>
    [JsonPropertyName("batching")]
    public BatchingSpec? Batching { get; set; }

    /// <summary>How replicas scale.</summary>
    [JsonPropertyName("autoscaling")]
    public AutoscalingSpec? Autoscaling { get; set; }

    /// <summary>Response cache in the serving engine.</summary>
    [JsonPropertyName("cache")]
    public CacheSpec? Cache { get; set; }

    /// <summary>Scheduling and metadata for the serving pods.</summary>
    [JsonPropertyName("template")]
    public PodTemplateOverrides? Template { get; set; }
}

/// <summary>The service level the plan must meet at peak traffic.</summary>
public sealed class ServiceLevelObjective
{
    /// <summary>95th-percentile latency budget per request, in milliseconds (queueing included).</summary>
    [JsonPropertyName("latencyP95Ms")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    [Maximum(600000)]
    public double LatencyP95Ms { get; set; }

    /// <summary>Expected peak requests per second the service must sustain.</summary>
    [JsonPropertyName("throughputRps")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double ThroughputRps { get; set; }

    /// <summary>Availability floor: never fewer replicas than this.</summary>
    [JsonPropertyName("minReplicas")]
    [Minimum(1)]
    [Maximum(1000)]
    [Default(1)]
    public int? MinReplicas { get; set; }
}

/// <summary>Names an InferencePolicy in the service's namespace.</summary>
public sealed class PolicyReference
{
    /// <summary>Name of the InferencePolicy.</summary>
    [JsonPropertyName("name")]
    [RequiredField]
    [Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    [Length(1, 253)]
    public string Name { get; set; } = "";
}

/// <summary>Dynamic batching limits of the serving engine.</summary>
public sealed class BatchingSpec
{
    /// <summary>Most requests run together in one model call.</summary>
    [JsonPropertyName("maxBatchSize")]
    [Minimum(1)]
    [Maximum(1024)]
    public int? MaxBatchSize { get; set; }

    /// <summary>Longest the oldest queued request waits for a batch to fill, in milliseconds.</summary>
    [JsonPropertyName("maxQueueDelayMs")]
    [Minimum(0)]
    [Maximum(10000)]
    public int? MaxQueueDelayMs { get; set; }
}

/// <summary>Autoscaler settings; replicas are otherwise the plan's.</summary>
[ValidationRule("!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas", "autoscaling.minReplicas must not exceed autoscaling.maxReplicas")]
[ValidationRule("!has(self.minReplicas) || self.minReplicas >= 1 || (has(self.engine) && self.engine == 'keda' && has(self.metric) && self.metric == 'requests')", "autoscaling.minReplicas 0 (scale to zero) needs engine keda with metric requests: the pods' own metrics vanish at zero replicas")]
[ValidationRule("!has(self.target) || !has(self.metric) || (self.metric != 'gpu-utilization' && self.metric != 'cpu') || self.target <= 100", "autoscaling.target is a percentage for gpu-utilization and cpu: use a value from 1 to 100")]
public sealed class AutoscalingSpec
{
    /// <summary>hpa (autoscaling/v2), keda (ScaledObject) or none (fixed replicas from the plan).</summary>
    [JsonPropertyName("engine")]
    [Default("hpa")]
    public AutoscalingEngine? Engine { get; set; }

    /// <summary>Fewest replicas; never below slo.minReplicas. 0 only with keda on request rate.</summary>
    [JsonPropertyName("minReplicas")]
    [Minimum(0)]
    [Maximum(1000)]
    public int? MinReplicas { get; set; }

    /// <summary>Most replicas; lowered further when the policy's budget caps it.</summary>
    [JsonPropertyName("maxReplicas")]
    [Minimum(1)]
    [Maximum(1000)]
    public int? MaxReplicas { get; set; }

    /// <summary>Signal to scale on; default gpu-utilization on GPUs, cpu on CPU plans.</summary>
    [JsonPropertyName("metric")]
    public ScalingMetric? Metric { get; set; }

    /// <summary>Target value per pod: percent for utilisation metrics, queued requests or requests/s otherwise.</summary>
    [JsonPropertyName("target")]
    [Minimum(0, Exclusive = true)]
    public double? Target { get; set; }

    /// <summary>Custom metric name for gpu-utilization as served by prometheus-adapter (default DCGM_FI_DEV_GPU_UTIL).</summary>
    [JsonPropertyName("metricName")]
    [Pattern("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    public string? MetricName { get; set; }

    /// <summary>Seconds of stable lower recommendations before scaling down (default 300).</summary>
    [JsonPropertyName("scaleDownStabilizationSeconds")]
    [Minimum(0)]
    [Maximum(3600)]
    public int? ScaleDownStabilizationSeconds { get; set; }

    /// <summary>Seconds of stable higher recommendations before scaling up (default 0: scale up fast).</summary>
    [JsonPropertyName("scaleUpStabilizationSeconds")]
    [Minimum(0)]
    [Maximum(3600)]
    public int? ScaleUpStabilizationSeconds { get; set; }
}

/// <summary>Response cache: identical requests are answered from memory, bypassing the queue.</summary>
public sealed class CacheSpec
{
    /// <summary>Turn the cache on.</summary>
    [JsonPropertyName("enabled")]
    [Default(false)]
    public bool? Enabled { get; set; }

    /// <summary>Memory bound of the cache per pod, in bytes.</summary>
    [JsonPropertyName("maxBytes")]
    [Minimum(0)]
    public long? MaxBytes { get; set; }

    /// <summary>Seconds an entry stays valid; absent means until evicted.</summary>
    [JsonPropertyName("ttlSeconds")]
    [Minimum(0)]
    public int? TtlSeconds { get; set; }
}

/// <summary>Scheduling and metadata merged into the serving pods (over the AcceleratorProfile's).</summary>
public sealed class PodTemplateOverrides
{
    /// <summary>Extra node labels the pods require.</summary>
    [JsonPropertyName("nodeSelector")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Extra taints the pods tolerate.</summary>
    [JsonPropertyName("tolerations")]
    public List<V1Toleration>? Tolerations { get; set; }

    /// <summary>ServiceAccount the pods run as.</summary>
    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; set; }

    /// <summary>Secrets for pulling the serving image.</summary>
    [JsonPropertyName("imagePullSecrets")]
    public List<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    /// <summary>Extra labels on the pods (e.g. team, for cost attribution).</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Extra annotations on the pods.</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }
}
