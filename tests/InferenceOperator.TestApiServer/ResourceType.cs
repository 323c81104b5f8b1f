namespace InferenceOperator.TestApiServer;

/// <summary>A resource the test API server serves: where it lives in the REST tree and how it behaves.</summary>
/// <param name="Group">API group; empty for the core group (served under /api).</param>
/// <param name="Version">API version, e.g. v1.</param>
/// <param name="Plural">Resource plural as it appears in the URL.</param>
/// <param name="Kind">Kind of a single object.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="HasStatusSubresource">Whether /status is a separate subresource (main-resource writes then ignore .status).</param>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced = true, bool HasStatusSubresource = false)
{
    /// <summary>
    /// The CRD's openAPIV3Schema, when known: unknown fields are pruned (and rejected by apply) and values validated
    /// (type, enum, required, bounds, pattern). Null: anything goes, as with x-kubernetes-preserve-unknown-fields.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? Schema { get; init; }

    /// <summary>True when both name the same REST resource (group, version, plural), whatever their schema.</summary>
    public bool SameResource(ResourceType other) =>
        other is not null && Group == other.Group && Version == other.Version && Plural == other.Plural;

    /// <summary>apiVersion as written in objects: "v1" for the core group, "group/version" otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Kind of the list returned by LIST.</summary>
    public string ListKind => Kind + "List";

    /// <summary>Resource name in error messages ("deployments.apps", "configmaps").</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The built-in resources every server starts with.</summary>
    public static IReadOnlyList<ResourceType> BuiltIn { get; } =
    [
        new("", "v1", "namespaces", "Namespace", Namespaced: false, HasStatusSubresource: true),
        new("", "v1", "configmaps", "ConfigMap"),
        new("", "v1", "secrets", "Secret"),
        new("", "v1", "services", "Service", HasStatusSubresource: true),
        new("", "v1", "pods", "Pod", HasStatusSubresource: true),
        new("", "v1", "events", "Event"),
        new("", "v1", "serviceaccounts", "ServiceAccount"),
        new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", HasStatusSubresource: true),
        new("apps", "v1", "deployments", "Deployment", HasStatusSubresource: true),
        new("apps", "v1", "replicasets", "ReplicaSet", HasStatusSubresource: true),
        new("batch", "v1", "jobs", "Job", HasStatusSubresource: true),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", HasStatusSubresource: true),
        new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", HasStatusSubresource: true),
        new("coordination.k8s.io", "v1", "leases", "Lease"),
        new("events.k8s.io", "v1", "events", "Event"),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false, HasStatusSubresource: true),
    ];
}
