using InferenceOperator.Api;
using InferenceOperator.Api.Schema;
using InferenceOperator.Controllers;
using InferenceOperator.ApiMapping;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceOperator.IntegrationTests;

/// <summary>
/// One test's world: an in-process test API server with the three CRDs installed from the generated definitions, the
/// default accelerator catalog, a namespace, and the operator (informers + controller + reconciler) running in-process
/// against it through the real KubernetesClient.
/// </summary>
internal sealed class OperatorHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private Task running = Task.CompletedTask;

    private OperatorHarness(TestApiServer.TestApiServer server, Kubernetes client, string ns, OperatorOptions options)
    {
        Server = server;
        Client = client;
        Namespace = ns;
        Options = options;
        Metrics = new OperatorMetrics();
        var events = new EventRecorder(client, new EventRecorderOptions { ReportingController = "inferenceoperator.io/inference-operator", ReportingInstance = "test" }, NullLogger.Instance);
        Runtime = new OperatorRuntime(
            client,
            Microsoft.Extensions.Options.Options.Create(options),
            Metrics,
            events,
            DebugLogging ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)) : NullLoggerFactory.Instance,
            TimeProvider.System,
            new RuntimeTuning
            {
                Informers = new InformerOptions { WatchTimeoutSeconds = 30, InitialBackoff = TimeSpan.FromMilliseconds(20) },
                Queue = new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromSeconds(1) },
            });
    }

    private static bool DebugLogging => Environment.GetEnvironmentVariable("OPERATOR_TEST_LOGS") == "1";

    public TestApiServer.TestApiServer Server { get; }

    public Kubernetes Client { get; }

    public string Namespace { get; }

    public OperatorOptions Options { get; }

    public OperatorMetrics Metrics { get; }

    public OperatorRuntime Runtime { get; }

    public EntityClient<InferenceService> Services => Runtime.Clients.Services;

    public static async Task<OperatorHarness> StartAsync(string ns, Action<OperatorOptions>? configure = null, bool catalog = true, bool keda = false)
    {
        var server = await TestApiServer.TestApiServer.StartAsync();
        var client = KubernetesClientFactory.Create(server.ClientConfiguration());
        var generator = new CrdGenerator();
        foreach (var kind in CrdGenerator.Kinds)
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(generator.Generate(kind));
        }

        if (keda)
        {
            server.RegisterCustomResource<Desired.ScaledObject>();
        }

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        if (catalog)
        {
            var profiles = new EntityClient<AcceleratorProfile>(client, "test");
            foreach (var profile in CatalogMapping.DefaultCatalog())
            {
                await profiles.CreateAsync(profile, default);
            }
        }

        var options = new OperatorOptions { ServingImage = "registry.example/inference-server:test", NotReadyResyncSeconds = 3600, FullResyncSeconds = 3600 };
        configure?.Invoke(options);
        var harness = new OperatorHarness(server, client, ns, options);
        harness.running = harness.Runtime.Controller.RunAsync(harness.stop.Token);
        await harness.Runtime.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return harness;
    }

    public async Task<InferenceService> CreateAsync(InferenceService service)
    {
        service.Metadata.NamespaceProperty ??= Namespace;
        return await Services.CreateAsync(service, default);
    }

    public InferenceService? Get(string name) => Server.Get<InferenceService>(Namespace, name);

    public T? Get<T>(string name)
        where T : class => Server.Get<T>(Namespace, name);

    public V1Condition? Condition(string name, string type) => Kube.Conditions.Find(Get(name)?.Status?.Conditions, type);

    /// <summary>Waits until the service's condition has this status (and reason, when given).</summary>
    public Task UntilConditionAsync(string name, string type, string status, string? reason = null, TimeSpan? timeout = null) =>
        Await.UntilAsync(
            () => Condition(name, type) is { } c && c.Status == status && (reason is null || c.Reason == reason),
            $"{name} has {type}={status}{(reason is null ? "" : "/" + reason)} (now {Describe(name, type)})",
            timeout);

    /// <summary>
    /// Creates a service with two replicas, plays the Deployment controller until it is Ready, and waits until the
    /// operator's cache holds that status and no reconcile is running or queued: a converged service to resync.
    /// </summary>
    public async Task ConvergeSteadyServiceAsync(string name)
    {
        await CreateAsync(Samples.Service(name, spec => spec.Slo.MinReplicas = 2));
        await Await.UntilAsync(() => Get<V1Deployment>(name) is not null, "the Deployment exists");
        MarkDeploymentReady(name, scaled: 2);
        await UntilConditionAsync(name, ConditionTypes.Ready, Conditions.True);
        await Await.UntilAsync(() => Runtime.Services.Get(new ObjectKey(Namespace, name))?.Status?.ReadyReplicas == 2, "the cache holds the final status");
        await Await.UntilAsync(() => Runtime.Controller.Queue is { InFlight: 0, Depth: 0 }, "no reconcile is running or waiting");
    }

    /// <summary>Plays the HPA and the Deployment controller: <paramref name="scaled"/> replicas (or the Deployment's own count), all ready.</summary>
    public V1Deployment MarkDeploymentReady(string name, int? scaled = null) => Server.Mutate<V1Deployment>(Namespace, name, d =>
    {
        var replicas = scaled ?? d.Spec.Replicas ?? 1;
        d.Status = new V1DeploymentStatus
        {
            Replicas = replicas,
            ReadyReplicas = replicas,
            AvailableReplicas = replicas,
            UpdatedReplicas = replicas,
            Conditions = [new V1DeploymentCondition { Type = "Available", Status = "True", Reason = "MinimumReplicasAvailable" }],
        };
    });

    public async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await Metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public IReadOnlyList<Eventsv1Event> Events(string regarding) =>
        Client.EventsV1.ListNamespacedEvent(Namespace).Items.Where(e => e.Regarding?.Name == regarding).ToList();

    private string Describe(string name, string type) => Condition(name, type) is { } c
        ? $"{c.Status}/{c.Reason}: {c.Message}"
        : $"absent; conditions: {string.Join(", ", Get(name)?.Status?.Conditions?.Select(x => $"{x.Type}={x.Status}/{x.Reason}") ?? [])}";

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        Client.Dispose();
        await Server.DisposeAsync();
        stop.Dispose();
    }
}
