using System.Diagnostics;
using System.Globalization;
using InferenceOperator;
using InferenceOperator.Api;
using InferenceOperator.Api.Schema;
using InferenceOperator.ApiMapping;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using InferenceOperator.TestApiServer;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

// 1,000 InferenceServices (MiniLM-like profile hints, so no profiling Job) created at once against the in-process test
// API server; measures the time until every one has its plan in status and its owned objects, then a full resync's
// write calls (goal 0) and this process's RSS (goal <= 200 MB; the test API server shares the process, so RSS is an
// upper bound for the operator alone).
var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 1000;
const string Namespace = "bench";
await using var server = await TestApiServer.StartAsync(new TestApiServerOptions());
using var client = KubernetesClientFactory.Create(server.ClientConfiguration());
var generator = new CrdGenerator();
foreach (var kind in CrdGenerator.Kinds)
{
    await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(generator.Generate(kind));
}

await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
var profiles = new EntityClient<AcceleratorProfile>(client, "bench");
foreach (var profile in CatalogMapping.DefaultCatalog())
{
    await profiles.CreateAsync(profile, default);
}

var options = new OperatorOptions { ServingImage = "inferenceoperator/inference-server:bench", Parallelism = 4, NotReadyResyncSeconds = 3600, FullResyncSeconds = 3600 };
var metrics = new OperatorMetrics();
var events = new EventRecorder(client, new EventRecorderOptions { ReportingController = "inferenceoperator.io/inference-operator", ReportingInstance = "bench" }, NullLogger.Instance);
var runtime = new OperatorRuntime(client, Microsoft.Extensions.Options.Options.Create(options), metrics, events, NullLoggerFactory.Instance, TimeProvider.System, new RuntimeTuning());
using var stop = new CancellationTokenSource();
var running = runtime.Controller.RunAsync(stop.Token);
await runtime.WaitForSyncAsync(CancellationToken.None);

var services = new EntityClient<InferenceService>(client, "bench");
var clock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    await services.CreateAsync(Service($"svc-{i:D4}"), ct));
var created = clock.Elapsed;

bool Converged(int i)
{
    var name = $"svc-{i:D4}";
    return server.Get<InferenceService>(Namespace, name)?.Status?.Plan?.Accelerator is not null
        && server.Get<V1Deployment>(Namespace, name) is not null
        && server.Get<V1Service>(Namespace, name) is not null;
}

var deadline = TimeSpan.FromMinutes(5);
while (clock.Elapsed < deadline && !Enumerable.Range(0, count).All(Converged))
{
    await Task.Delay(200);
}

var converged = clock.Elapsed;
var done = Enumerable.Range(0, count).Count(Converged);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{count} InferenceServices: created in {created.TotalSeconds:0.0} s, {done} converged (plan in status, Deployment, Service) after {converged.TotalSeconds:0.0} s (goal <= 30 s on 2 cores)"));

// A full resync: every key reconciled again with nothing changed. Done when reconcile_total has grown by the count
// (the queue itself always holds the not-ready services' delayed requeues, so its depth never reaches zero).
await Task.Delay(TimeSpan.FromSeconds(2));
server.ResetCounters();
var before = await ReconcilesAsync(metrics);
foreach (var service in runtime.Services.List())
{
    runtime.Controller.Queue.Add(ObjectKey.Of(service));
}

var resync = Stopwatch.StartNew();
while (resync.Elapsed < TimeSpan.FromMinutes(2) && await ReconcilesAsync(metrics) - before < count)
{
    await Task.Delay(50);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"full resync of {count}: {resync.Elapsed.TotalSeconds:0.0} s, {server.TotalWriteCalls} write calls (goal 0)"));
GC.Collect();
using var self = Process.GetCurrentProcess();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RSS {self.WorkingSet64 / 1048576.0:0} MB for operator + in-process test API server (goal <= 200 MB for the operator)"));
await stop.CancelAsync();
try
{
    await running;
}
catch (OperationCanceledException)
{
    // Stopping.
}

static async Task<double> ReconcilesAsync(OperatorMetrics metrics)
{
    using var stream = new MemoryStream();
    await metrics.Registry.CollectAndExportAsTextAsync(stream);
    return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
        .Where(line => line.StartsWith("reconcile_total{", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}

static InferenceService Service(string name) => new()
{
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
    Spec = new InferenceServiceSpec
    {
        Model = new ModelSpec
        {
            Uri = "https://models.example.com/minilm/model.onnx",
            Profile = new ModelProfile { Parameters = 22_713_927, FlopsPerInference = 2.87e9, SequenceLength = 128 },
        },
        Slo = new ServiceLevelObjective { LatencyP95Ms = 100, ThroughputRps = 50 },
    },
};
