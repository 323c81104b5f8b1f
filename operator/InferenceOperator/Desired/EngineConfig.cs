using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>The serving engine's configuration file (its ServingOptions), shipped to the pods in a ConfigMap.</summary>
internal sealed record EngineConfig(
    string ModelPath,
    string ModelName,
    string ModelVersion,
    string Precision,
    string ExecutionProvider,
    int MaxBatchSize,
    double MaxQueueDelayMs,
    int QueueCapacity,
    EngineCache Cache,
    int HttpPort,
    int GrpcPort,
    EnginePower Power)
{
    public const string FileName = "config.json";
    public const string MountPath = "/etc/inference";
    public const string ModelFolder = "/models";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static EngineConfig For(InferenceService service, PlanStatus plan, AcceleratorProfile accelerator, OperatorOptions options)
    {
        var maxBatch = plan.MaxBatchSize ?? 1;
        var cache = service.Spec.Cache;
        return new EngineConfig(
            ModelPath: $"{ModelFolder}/{ModelFileName(plan)}",
            ModelName: service.Metadata.Name,
            ModelVersion: "1",
            Precision: (plan.Precision ?? Api.Precision.Fp32).ToString().ToLowerInvariant(),
            ExecutionProvider: accelerator.Spec.ExecutionProvider switch
            {
                Api.ExecutionProvider.Cuda => "CUDA",
                Api.ExecutionProvider.TensorRT => "TensorRT",
                Api.ExecutionProvider.ROCm => "ROCm",
                _ => "CPU",
            },
            MaxBatchSize: maxBatch,
            MaxQueueDelayMs: plan.MaxQueueDelayMs ?? 0,
            // Enough queue for a few full batches per replica; beyond it clients get 429 rather than a missed SLO.
            QueueCapacity: Math.Max(64, maxBatch * 8),
            Cache: new EngineCache(cache?.Enabled ?? false, cache?.MaxBytes ?? 64L * 1024 * 1024, cache?.TtlSeconds ?? 0),
            HttpPort: options.HttpPort,
            GrpcPort: options.GrpcPort,
            Power: new EnginePower(accelerator.Spec.IdlePowerWatts ?? accelerator.Spec.BoardPowerWatts * 0.25, accelerator.Spec.BoardPowerWatts));
    }

    /// <summary>The converted model's file name: one per precision, so a cache PVC can hold several.</summary>
    public static string ModelFileName(PlanStatus plan) =>
        $"model.{(plan.Precision ?? Api.Precision.Fp32).ToString().ToLowerInvariant()}.onnx";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Short content hash: a pod-template annotation, so a config change rolls the pods.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())))[..16];

    public V1ConfigMap ToConfigMap(InferenceService service, PlanStatus plan) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Owner.Metadata(service, Names.EngineConfig(service), ServingLabels.For(service, plan)),
        Data = new Dictionary<string, string> { [FileName] = ToJson() },
    };
}

internal sealed record EngineCache(bool Enabled, long MaxBytes, int TtlSeconds);

internal sealed record EnginePower([property: JsonPropertyName("idleWatts")] double IdleWatts, [property: JsonPropertyName("busyWatts")] double BusyWatts);
