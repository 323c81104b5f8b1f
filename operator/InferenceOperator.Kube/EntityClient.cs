using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace InferenceOperator.Kube;

/// <summary>A LIST result: the items and the resourceVersion to watch from.</summary>
public sealed class EntityList<T>
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = [];
}

/// <summary>
/// Typed client for one resource, custom or built-in: group, version and plural come from [KubernetesEntity] on
/// <typeparamref name="T"/>. Writes go through server-side apply with one field manager.
/// The <see cref="IKubernetes"/> must come from <see cref="KubernetesClientFactory"/> for core-group types.
/// </summary>
public sealed class EntityClient<T>(IKubernetes client, string fieldManager)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly string[] ServerSetMetadata = ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"];

    public EntityInfo Info { get; } = EntityInfo.Of<T>();

    public string FieldManager { get; } = fieldManager;

    public IKubernetes Kubernetes { get; } = client;

    /// <summary>Reads an object; null when it does not exist.</summary>
    public async Task<T?> GetAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = ns is null
                ? await Kubernetes.CustomObjects.GetClusterCustomObjectWithHttpMessagesAsync<T>(Info.Group, Info.Version, Info.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<T>(Info.Group, Info.Version, ns, Info.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Body;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Lists objects (all namespaces when <paramref name="ns"/> is null).</summary>
    public async Task<EntityList<T>> ListAsync(
        string? ns,
        string? labelSelector = null,
        string? resourceVersion = null,
        string? resourceVersionMatch = null,
        CancellationToken cancellationToken = default)
    {
        var response = ns is null
            ? await Kubernetes.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<EntityList<T>>(
                Info.Group, Info.Version, Info.Plural, labelSelector: labelSelector, resourceVersion: resourceVersion, resourceVersionMatch: resourceVersionMatch, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<EntityList<T>>(
                Info.Group, Info.Version, ns, Info.Plural, labelSelector: labelSelector, resourceVersion: resourceVersion, resourceVersionMatch: resourceVersionMatch, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Creates an object (POST); 409 AlreadyExists surfaces as <see cref="HttpOperationException"/>.</summary>
    public async Task<T> CreateAsync(T obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var body = Body(obj, stripServerFields: false);
        var ns = Namespace(obj);
        var response = ns is null
            ? await Kubernetes.CustomObjects.CreateClusterCustomObjectWithHttpMessagesAsync<T>(body, Info.Group, Info.Version, Info.Plural, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<T>(body, Info.Group, Info.Version, ns, Info.Plural, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Replaces an object (PUT) guarded by its resourceVersion: a stale one gets 409 Conflict.</summary>
    public async Task<T> ReplaceAsync(T obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var body = Body(obj, stripServerFields: false);
        var ns = Namespace(obj);
        var name = obj.Metadata.Name;
        var response = ns is null
            ? await Kubernetes.CustomObjects.ReplaceClusterCustomObjectWithHttpMessagesAsync<T>(body, Info.Group, Info.Version, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.ReplaceNamespacedCustomObjectWithHttpMessagesAsync<T>(body, Info.Group, Info.Version, ns, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>
    /// Server-side apply: create-or-merge the fields set on <paramref name="obj"/>, owned by <see cref="FieldManager"/>.
    /// apiVersion/kind are filled in and server-set metadata (managedFields, resourceVersion, ...) stripped.
    /// Only set what you mean to own: every field sent is a field this manager owns.
    /// </summary>
    public async Task<T> ApplyAsync(T obj, bool force = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var patch = new V1Patch(Body(obj, stripServerFields: true).ToJsonString(), V1Patch.PatchType.ApplyPatch);
        var ns = Namespace(obj);
        var name = obj.Metadata.Name;
        var response = ns is null
            ? await Kubernetes.CustomObjects.PatchClusterCustomObjectWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, Info.Plural, name, fieldManager: FieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, ns, Info.Plural, name, fieldManager: FieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>
    /// Server-side apply of .status through the status subresource (metadata.generation never moves).
    /// Send an object carrying name, namespace and the status fields to own.
    /// </summary>
    public async Task<T> ApplyStatusAsync(T obj, bool force = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var patch = new V1Patch(Body(obj, stripServerFields: true).ToJsonString(), V1Patch.PatchType.ApplyPatch);
        var ns = Namespace(obj);
        var name = obj.Metadata.Name;
        var response = ns is null
            ? await Kubernetes.CustomObjects.PatchClusterCustomObjectStatusWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, Info.Plural, name, fieldManager: FieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, ns, Info.Plural, name, fieldManager: FieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>JSON merge patch of the status subresource with <c>{"status": status}</c>.</summary>
    public async Task<T> PatchStatusAsync(string? ns, string name, object status, CancellationToken cancellationToken)
    {
        var json = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) }.ToJsonString();
        var patch = new V1Patch(json, V1Patch.PatchType.MergePatch);
        var response = ns is null
            ? await Kubernetes.CustomObjects.PatchClusterCustomObjectStatusWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, ns, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Any patch (merge, JSON) of the main resource.</summary>
    public async Task<T> PatchAsync(string? ns, string name, V1Patch patch, CancellationToken cancellationToken)
    {
        var response = ns is null
            ? await Kubernetes.CustomObjects.PatchClusterCustomObjectWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync<T>(patch, Info.Group, Info.Version, ns, Info.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Deletes an object; false when it was already gone.</summary>
    public async Task<bool> DeleteAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = ns is null
                ? await Kubernetes.CustomObjects.DeleteClusterCustomObjectWithHttpMessagesAsync(Info.Group, Info.Version, Info.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync(Info.Group, Info.Version, ns, Info.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks. Errors inside the stream (a 410 Expired ERROR
    /// event arrives as a <see cref="KubernetesException"/> with Status.Code 410) go to <paramref name="onError"/>
    /// and end the enumeration. This is the one place the [Obsolete] typed watch is used.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string? ns,
        string? resourceVersion,
        string? labelSelector,
        int timeoutSeconds,
        Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
#pragma warning disable CS0618 // The typed watch is marked obsolete but is the only one with resourceVersion, bookmarks and timeout.
        var response = ns is null
            ? Kubernetes.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<T>(
                Info.Group, Info.Version, Info.Plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken)
            : Kubernetes.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<T>(
                Info.Group, Info.Version, ns, Info.Plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, watch: true, cancellationToken: cancellationToken);
        await foreach (var item in response.WatchAsync<T, T>(onError, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
#pragma warning restore CS0618
    }

    private string? Namespace(T obj) => string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty) ? null : obj.Metadata.NamespaceProperty;

    private JsonObject Body(T obj, bool stripServerFields)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
        node["apiVersion"] = Info.ApiVersion;
        node["kind"] = Info.Kind;
        if (node["metadata"] is JsonObject metadata)
        {
            if (stripServerFields)
            {
                foreach (var field in ServerSetMetadata)
                {
                    metadata.Remove(field);
                }
            }
            else
            {
                metadata.Remove("managedFields");
            }
        }

        return node;
    }
}
