using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.TestApiServer;

/// <summary>
/// An in-process kube-apiserver for tests: Kestrel on 127.0.0.1 with a random port, speaking the Kubernetes REST and
/// watch protocol (resourceVersion, bookmarks, 410 Expired, 409 Conflict, server-side apply, status subresource).
/// No controller-manager runs: nothing is garbage collected and no workload status changes unless a test sets it.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ObjectStore store;
    private readonly ApiHandler handler;
    private readonly CancellationTokenSource stopping;

    private TestApiServer(WebApplication app, ObjectStore store, ApiHandler handler, CancellationTokenSource stopping, string baseUrl)
    {
        this.app = app;
        this.store = store;
        this.handler = handler;
        this.stopping = stopping;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:port of the running server.</summary>
    public string BaseUrl { get; }

    /// <summary>The global resource version: every write increments it.</summary>
    public long ResourceVersion => store.ResourceVersion;

    /// <summary>Writes that changed an object (resourceVersion moved); a no-op apply is not one.</summary>
    public int EffectiveWrites => store.EffectiveWrites;

    /// <summary>Every request as "METHOD path?query", in arrival order.</summary>
    public IReadOnlyCollection<string> Requests => handler.Requests;

    /// <summary>Retained watch history; lowering it expires older resource versions.</summary>
    public int HistoryLimit
    {
        get => store.HistoryLimit;
        set => store.HistoryLimit = value;
    }

    /// <summary>Starts a server with the built-in resources registered.</summary>
    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TestApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var store = new ObjectStore(options.TimeProvider, options.HistoryLimit);
        foreach (var type in ResourceType.BuiltIn)
        {
            store.Register(type);
        }

        var stopping = new CancellationTokenSource();
        var handler = new ApiHandler(store, options, stopping.Token);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First()
            ?? throw new InvalidOperationException("Kestrel reported no address");
        return new TestApiServer(app, store, handler, stopping, address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>A client configuration pointing at this server.</summary>
    public KubernetesClientConfiguration ClientConfiguration() => new() { Host = BaseUrl };

    /// <summary>A real KubernetesClient talking to this server over HTTP.</summary>
    public Kubernetes CreateClient(params DelegatingHandler[] handlers) => new(ClientConfiguration(), handlers);

    /// <summary>Serves a resource (built-in or custom) from now on.</summary>
    public void RegisterResource(ResourceType type) => store.Register(type);

    /// <summary>Serves a custom resource, as if its CRD had been installed.</summary>
    public ResourceType RegisterCustomResource(string group, string version, string plural, string kind, bool namespaced = true, bool statusSubresource = true)
    {
        var type = new ResourceType(group, version, plural, kind, namespaced, statusSubresource);
        store.Register(type);
        return type;
    }

    /// <summary>Serves the resource described by <typeparamref name="T"/>'s [KubernetesEntity] attribute.</summary>
    public ResourceType RegisterCustomResource<T>(bool namespaced = true, bool statusSubresource = true)
    {
        var entity = Entity(typeof(T));
        return RegisterCustomResource(entity.Group, entity.ApiVersion, entity.PluralName, entity.Kind, namespaced, statusSubresource);
    }

    /// <summary>
    /// Adds a validation rule for a resource, standing in for a CRD's CEL rule (x-kubernetes-validations), which this
    /// server does not evaluate. The rule sees the whole object and returns null, or the field ("spec") and the rule's
    /// message; the write then fails with 422 "&lt;field&gt;: Invalid value: \"object\": &lt;message&gt;" as on a real server.
    /// </summary>
    public void AddValidationRule(string group, string plural, Func<JsonObject, (string Field, string Message)?> rule) => store.AddRule(group, plural, rule);

    /// <summary>Drops all watch history: any watch or exact list from an older resourceVersion now gets 410 Expired.</summary>
    public void CompactHistory() => store.CompactHistory();

    /// <summary>
    /// The next <paramref name="times"/> requests with this method ("*" for any) whose path and query contain
    /// <paramref name="pathContains"/> fail with a Status of this code and reason.
    /// </summary>
    public Fault InjectFault(string method, string pathContains, int statusCode, int times = 1, string reason = "InternalError")
    {
        var fault = new Fault(method, pathContains, statusCode, reason, times);
        handler.Faults.Enqueue(fault);
        return fault;
    }

    /// <summary>POST/PUT/PATCH/DELETE requests received for a resource (core group: empty string).</summary>
    public int WriteCalls(string group, string plural) => handler.WriteCalls.GetValueOrDefault((group, plural));

    /// <summary>POST/PUT/PATCH/DELETE requests for the resource of <typeparamref name="T"/>.</summary>
    public int WriteCalls<T>()
    {
        var entity = Entity(typeof(T));
        return WriteCalls(entity.Group, entity.PluralName);
    }

    /// <summary>
    /// POST/PUT/PATCH/DELETE requests sent with this bearer token, per resource (group, plural): tells apart clients that
    /// share a field manager, e.g. two replicas of one operator given different kubeconfig users.
    /// </summary>
    public IReadOnlyDictionary<(string Group, string Plural), int> WriteCallsBy(string token) =>
        handler.WriteCallsByToken.Where(kv => kv.Key.Token == token).ToDictionary(kv => (kv.Key.Group, kv.Key.Plural), kv => kv.Value);

    /// <summary>All POST/PUT/PATCH/DELETE requests received.</summary>
    public int TotalWriteCalls => handler.WriteCalls.Values.Sum();

    /// <summary>Forgets request counts and the request log.</summary>
    public void ResetCounters()
    {
        handler.WriteCalls.Clear();
        handler.WriteCallsByToken.Clear();
        handler.Requests.Clear();
    }

    /// <summary>Reads an object as the server stores it (managedFields included), or null.</summary>
    public T? Get<T>(string? ns, string name)
        where T : class
    {
        try
        {
            return KubernetesJson.Deserialize<T>(store.Get(Type<T>(), ns ?? "", name).ToJsonString());
        }
        catch (ApiError error) when (error.Code == 404)
        {
            return null;
        }
    }

    /// <summary>Creates an object directly, as another client would.</summary>
    public T Create<T>(T obj, string manager = "test")
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var body = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
        return KubernetesJson.Deserialize<T>(store.Create(Type<T>(), obj.Metadata?.NamespaceProperty ?? "", body, manager).ToJsonString());
    }

    /// <summary>
    /// Changes an object as a kubelet or controller would: any field, status included, in one write that bumps
    /// resourceVersion (and generation when the spec changed) and notifies watchers.
    /// </summary>
    public T Mutate<T>(string? ns, string name, Action<T> mutate, string manager = "test-controller")
        where T : class
    {
        ArgumentNullException.ThrowIfNull(mutate);
        var result = store.Mutate(Type<T>(), ns ?? "", name, data =>
        {
            var typed = KubernetesJson.Deserialize<T>(data.ToJsonString());
            mutate(typed);
            var replacement = JsonNode.Parse(KubernetesJson.Serialize(typed))!.AsObject();
            data.Clear();
            foreach (var (key, value) in replacement.ToArray())
            {
                replacement.Remove(key);
                data[key] = value;
            }
        }, manager);
        return KubernetesJson.Deserialize<T>(result.ToJsonString());
    }

    /// <summary>Deletes an object directly (finalizers respected).</summary>
    public void Delete<T>(string? ns, string name)
        where T : class => store.Delete(Type<T>(), ns ?? "", name, out _);

    private ResourceType Type<T>()
    {
        var entity = Entity(typeof(T));
        return store.Find(entity.Group, entity.ApiVersion, entity.PluralName)
            ?? throw new InvalidOperationException($"{typeof(T).Name} ({entity.Group}/{entity.ApiVersion} {entity.PluralName}) is not registered with the test API server");
    }

    private static KubernetesEntityAttribute Entity(Type type) =>
        type.GetCustomAttribute<KubernetesEntityAttribute>() ?? throw new InvalidOperationException($"{type.Name} has no [KubernetesEntity] attribute");

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        store.CloseAllWatches();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }
}
