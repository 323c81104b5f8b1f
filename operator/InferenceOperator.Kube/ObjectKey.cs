using k8s;
using k8s.Models;

namespace InferenceOperator.Kube;

/// <summary>Identifies an object: namespace (null for cluster-scoped) and name. Prints as "namespace/name".</summary>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new(string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty) ? null : obj.Metadata.NamespaceProperty, obj.Metadata?.Name ?? "");
    }

    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
