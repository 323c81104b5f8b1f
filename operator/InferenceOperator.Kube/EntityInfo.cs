using System.Reflection;
using k8s.Models;

namespace InferenceOperator.Kube;

/// <summary>Where a type lives in the API, read from its [KubernetesEntity] attribute.</summary>
public sealed record EntityInfo(string Group, string Version, string Plural, string Kind)
{
    /// <summary>apiVersion as written in objects ("v1", "apps/v1", "example.io/v1alpha1").</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static EntityInfo Of<T>() => Of(typeof(T));

    public static EntityInfo Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} has no [KubernetesEntity] attribute");
        if (string.IsNullOrEmpty(entity.PluralName) || string.IsNullOrEmpty(entity.ApiVersion) || string.IsNullOrEmpty(entity.Kind))
        {
            throw new InvalidOperationException($"{type.Name}'s [KubernetesEntity] needs Kind, ApiVersion and PluralName");
        }

        return new EntityInfo(entity.Group ?? "", entity.ApiVersion, entity.PluralName, entity.Kind);
    }
}
