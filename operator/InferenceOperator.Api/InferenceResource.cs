using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace InferenceOperator.Api;

/// <summary>What every kind of this API group shares: apiVersion, kind and metadata, serialised first as Kubernetes does.</summary>
public abstract class InferenceResource(string kind) : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = Groups.ApiVersion;

    [JsonPropertyName("kind")]
    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = kind;

    [JsonPropertyName("metadata")]
    [JsonPropertyOrder(-1)]
    public V1ObjectMeta Metadata { get; set; } = new();
}
