using System.Text.Json;
using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Models;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Cli.Local;

/// <summary>What local mode decided for one service: its profile, the local plan and what a cluster would run.</summary>
internal sealed record LocalPlan(
    InferenceService Service,
    string PolicyName,
    Plan.Policy Policy,
    string ModelPath,
    InferenceOperator.Models.ModelProfile Profile,
    Api.ModelProfile ApiProfile,
    Plan.Plan Local,
    Plan.Plan Cluster);

/// <summary>The engine configuration local mode writes: the serving engine's options, bound to loopback.</summary>
internal static class LocalEngineConfig
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string Write(string path, string modelPath, string name, Plan.Candidate chosen, CacheSpec? cache, int httpPort, int grpcPort)
    {
        var cpu = LocalMachine.Cpu();
        var config = new Dictionary<string, object?>
        {
            ["ModelPath"] = modelPath,
            ["ModelName"] = name,
            ["ModelVersion"] = "1",
            ["Precision"] = chosen.Precision.ToApi().ToString().ToLowerInvariant(),
            ["ExecutionProvider"] = "CPU",
            ["MaxBatchSize"] = chosen.MaxBatchSize,
            ["MaxQueueDelayMs"] = Math.Round(chosen.MaxQueueDelayMs, 3),
            ["QueueCapacity"] = Math.Max(64, chosen.MaxBatchSize * 8),
            ["ListenAddress"] = "127.0.0.1",
            ["HttpPort"] = httpPort,
            ["GrpcPort"] = grpcPort,
            ["Cache"] = new Dictionary<string, object?>
            {
                ["Enabled"] = cache?.Enabled ?? false,
                ["MaxBytes"] = cache?.MaxBytes ?? 64L * 1024 * 1024,
                ["TtlSeconds"] = cache?.TtlSeconds ?? 0,
            },
            ["Power"] = new Dictionary<string, object?> { ["IdleWatts"] = cpu.IdlePowerWatts, ["BusyWatts"] = cpu.BoardPowerWatts },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(config, Json));
        return path;
    }

    /// <summary>The measured profile in the API's shape (same JSON field names), for the planner mapping.</summary>
    public static Api.ModelProfile ToApi(InferenceOperator.Models.ModelProfile profile) =>
        k8s.KubernetesJson.Deserialize<Api.ModelProfile>(profile.ToJson());

    public static ModelPrecision ToModels(Plan.Precision precision) => precision switch
    {
        Plan.Precision.Fp16 => ModelPrecision.Fp16,
        Plan.Precision.Int8 => ModelPrecision.Int8,
        Plan.Precision.Int4 => ModelPrecision.Int4,
        _ => ModelPrecision.Fp32,
    };
}
