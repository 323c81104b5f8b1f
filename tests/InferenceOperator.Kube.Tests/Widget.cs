using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace InferenceOperator.Kube.Tests;

/// <summary>A small custom resource for the tests.</summary>
[KubernetesEntity(Group = "test.example.io", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>, ISpec<WidgetSpec>, IStatus<WidgetStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "test.example.io/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Widget";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WidgetSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WidgetStatus? Status { get; set; }

    public static Widget New(string ns, string name, int size = 1, string? color = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new WidgetSpec { Size = size, Color = color },
    };
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")]
    public int? Size { get; set; }

    [JsonPropertyName("color")]
    public string? Color { get; set; }
}

public sealed class WidgetStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
