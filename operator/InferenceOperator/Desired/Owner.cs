using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>Metadata shared by every owned object: name, namespace, labels and the controlling owner reference.</summary>
internal static class Owner
{
    public static V1ObjectMeta Metadata(InferenceService service, string name, IDictionary<string, string> labels) => new()
    {
        Name = name,
        NamespaceProperty = service.Metadata.NamespaceProperty,
        Labels = labels,
        OwnerReferences = [Reference(service)],
    };

    public static V1OwnerReference Reference(InferenceService service) => new()
    {
        ApiVersion = service.ApiVersion,
        Kind = service.Kind,
        Name = service.Metadata.Name,
        Uid = service.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>True when <paramref name="existing"/> is controlled by this service (or by nothing of ours), so applying over it is safe.</summary>
    public static bool IsOwnedBy(V1ObjectMeta existing, InferenceService service) =>
        existing.OwnerReferences?.Any(r => r.Controller == true && r.Uid == service.Metadata.Uid) ?? false;
}
