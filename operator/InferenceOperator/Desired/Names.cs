using InferenceOperator.Api;

namespace InferenceOperator.Desired;

/// <summary>Names of the objects owned by a service.</summary>
internal static class Names
{
    public static string Workload(InferenceService service) => service.Metadata.Name;

    public static string EngineConfig(InferenceService service) => service.Metadata.Name + "-engine";

    public static string ProfileJob(InferenceService service) => service.Metadata.Name + "-profile";

    public static string Endpoint(InferenceService service, int httpPort) =>
        $"http://{service.Metadata.Name}.{service.Metadata.NamespaceProperty ?? "default"}.svc.cluster.local:{httpPort}/v2/models/{service.Metadata.Name}";
}
