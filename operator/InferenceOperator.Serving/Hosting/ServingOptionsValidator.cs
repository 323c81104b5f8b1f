using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Hosting;

/// <summary>Checks options on start and names the setting (and its environment variable) to fix.</summary>
internal sealed class ServingOptionsValidator : IValidateOptions<ServingOptions>
{
    public static readonly string[] Providers = ["CPU", "CUDA", "TensorRT", "ROCm"];

    /// <summary>Spellings that differ only in case name the same provider: <c>cuda</c> is <c>CUDA</c>.</summary>
    public static void Canonicalize(ServingOptions options) =>
        options.ExecutionProvider = Providers.FirstOrDefault(p => string.Equals(p, options.ExecutionProvider, StringComparison.OrdinalIgnoreCase)) ?? options.ExecutionProvider;

    public ValidateOptionsResult Validate(string? name, ServingOptions options)
    {
        var failures = Check(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IEnumerable<string> Check(ServingOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.ModelPath))
        {
            yield return "ModelPath is required: set INFERENCE_MODELPATH or pass --model <file.onnx>.";
        }
        else if (!File.Exists(o.ModelPath))
        {
            yield return $"ModelPath '{o.ModelPath}' does not exist or is not a file.";
        }

        if (!string.IsNullOrEmpty(o.ModelPath) && string.IsNullOrWhiteSpace(o.EffectiveModelName))
        {
            yield return "ModelName is empty: set INFERENCE_MODELNAME or --model-name.";
        }

        if (o.EffectiveModelName.Contains('/', StringComparison.Ordinal))
        {
            yield return $"ModelName '{o.EffectiveModelName}' must not contain '/'.";
        }

        if (string.IsNullOrWhiteSpace(o.ModelVersion) || o.ModelVersion.Contains('/', StringComparison.Ordinal))
        {
            yield return $"ModelVersion '{o.ModelVersion}' must be a non-empty string without '/'.";
        }

        if (string.IsNullOrWhiteSpace(o.Precision))
        {
            yield return "Precision must be a label such as fp32, fp16 or int8.";
        }

        if (!Providers.Contains(o.ExecutionProvider, StringComparer.Ordinal))
        {
            yield return $"ExecutionProvider '{o.ExecutionProvider}' is not one of {string.Join(", ", Providers)}.";
        }

        if (o.IntraOpThreads < 0)
        {
            yield return $"IntraOpThreads must be 0 (auto: the container's CPU limit) or positive, not {o.IntraOpThreads}.";
        }

        if (o.MaxBatchSize < 1)
        {
            yield return $"MaxBatchSize must be at least 1 (1 turns batching off), not {o.MaxBatchSize}.";
        }

        if (o.MaxQueueDelayMs < 0 || double.IsNaN(o.MaxQueueDelayMs) || o.MaxQueueDelayMs > 60_000)
        {
            yield return $"MaxQueueDelayMs must be between 0 and 60000, not {o.MaxQueueDelayMs}.";
        }

        if (o.QueueCapacity < 1)
        {
            yield return $"QueueCapacity must be at least 1, not {o.QueueCapacity}.";
        }

        if (o.Cache.Enabled && o.Cache.MaxBytes < 1)
        {
            yield return $"Cache:MaxBytes must be positive when the cache is enabled, not {o.Cache.MaxBytes}.";
        }

        if (o.Cache.TtlSeconds < 0)
        {
            yield return $"Cache:TtlSeconds must be 0 (no expiry) or positive, not {o.Cache.TtlSeconds}.";
        }

        if (o.MaxRequestBodyBytes < 1024)
        {
            yield return $"MaxRequestBodyBytes must be at least 1024, not {o.MaxRequestBodyBytes}.";
        }

        if (o.DefaultDeadlineMs < 0)
        {
            yield return $"DefaultDeadlineMs must be 0 (none) or positive, not {o.DefaultDeadlineMs}.";
        }

        if (!System.Net.IPAddress.TryParse(o.ListenAddress, out _))
        {
            yield return $"ListenAddress '{o.ListenAddress}' is not an IP address.";
        }

        if (o.HttpPort is < 0 or > 65535)
        {
            yield return $"HttpPort {o.HttpPort} is outside 0-65535.";
        }

        if (o.GrpcPort is < 0 or > 65535)
        {
            yield return $"GrpcPort {o.GrpcPort} is outside 0-65535.";
        }

        if (o.HttpPort != 0 && o.HttpPort == o.GrpcPort)
        {
            yield return $"HttpPort and GrpcPort must differ (both are {o.HttpPort}): gRPC has its own HTTP/2 port.";
        }

        if (o.ShutdownTimeoutSeconds < 0)
        {
            yield return $"ShutdownTimeoutSeconds must not be negative, not {o.ShutdownTimeoutSeconds}.";
        }

        if (o.BackgroundDecode.Nice is < 0 or > 19)
        {
            yield return $"BackgroundDecode:Nice must be between 0 and 19 (raising priority needs privileges a pod does not have), not {o.BackgroundDecode.Nice}.";
        }

        if (o.BackgroundDecode.MinBodyBytes < 0)
        {
            yield return $"BackgroundDecode:MinBodyBytes must be 0 (decode every body in the background) or positive, not {o.BackgroundDecode.MinBodyBytes}.";
        }

        if (o.BackgroundDecode.Threads < 0)
        {
            yield return $"BackgroundDecode:Threads must be 0 (auto: the container's CPU limit) or positive, not {o.BackgroundDecode.Threads}.";
        }

        if (o.Power.IdleWatts < 0 || o.Power.BusyWatts < 0 || o.Power.BusyWatts < o.Power.IdleWatts)
        {
            yield return $"Power: need 0 <= IdleWatts ({o.Power.IdleWatts}) <= BusyWatts ({o.Power.BusyWatts}).";
        }
    }
}
