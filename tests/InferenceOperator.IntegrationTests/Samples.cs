using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.IntegrationTests;

/// <summary>Manifests the tests create: MiniLM-sized profile hints so no profiling Job is needed unless a test asks for one.</summary>
internal static class Samples
{
    public static ModelProfile MiniLm() => new()
    {
        Parameters = 22_713_216,
        FlopsPerInference = 2.9e9,
        SequenceLength = 128,
        ActivationBytesPerItem = 6_291_456,
    };

    public static InferenceService Service(string name, Action<InferenceServiceSpec>? configure = null, bool hints = true)
    {
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new InferenceServiceSpec
            {
                Model = new ModelSpec { Uri = "https://models.example.com/minilm/model.onnx", Profile = hints ? MiniLm() : null },
                Slo = new ServiceLevelObjective { LatencyP95Ms = 100, ThroughputRps = 50 },
            },
        };
        configure?.Invoke(service.Spec);
        return service;
    }

    public static InferencePolicy Policy(string ns, string name, Action<InferencePolicySpec>? configure = null)
    {
        var policy = new InferencePolicy { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new InferencePolicySpec { Objective = Objective.Cost } };
        configure?.Invoke(policy.Spec);
        return policy;
    }
}
