using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using InferenceOperator;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using InferenceOperator.Operator.Bench;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

// 1,000 InferenceServices (MiniLM-like profile hints, so no profiling Job) created at once against the test API server,
// which runs in a child process (this executable with --api-server) so that this process holds the operator alone.
// Measures the time until every one has its plan in status and its owned objects, then the write calls of a timer
// resync of all of them (goal 0), then this process's RSS: the operator's (goal <= 200 MB).
if (args.Contains(ApiServerProcess.Flag))
{
    await ApiServerProcess.RunAsync();
    return;
}

var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 1000;
const double RssGoalMb = 200;
using var apiServer = await ApiServerChild.StartAsync();
using var client = KubernetesClientFactory.Create(new KubernetesClientConfiguration { Host = apiServer.Url });

// No Deployment controller runs, so no service ever becomes Ready: the full resync is the one measured, and the
// not-Ready one is pushed out of the way so that each pass is one full resync. Its first tick (45 s after the start)
// comes after convergence, as it would with the default 10 minutes, so it does not add to the convergence time.
var options = new OperatorOptions { ServingImage = "inferenceoperator/inference-server:bench", Parallelism = 4, NotReadyResyncSeconds = 3600, FullResyncSeconds = 45 };
var metrics = new OperatorMetrics();
var events = new EventRecorder(client, new EventRecorderOptions { ReportingController = "inferenceoperator.io/inference-operator", ReportingInstance = "bench" }, NullLogger.Instance);
var runtime = new OperatorRuntime(client, Microsoft.Extensions.Options.Options.Create(options), metrics, events, NullLoggerFactory.Instance, TimeProvider.System, new RuntimeTuning());
using var stop = new CancellationTokenSource();
var running = runtime.Controller.RunAsync(stop.Token);
await runtime.WaitForSyncAsync(CancellationToken.None);
var rssIdle = Rss();

var clock = Stopwatch.StartNew();
var created = double.Parse(await apiServer.AskAsync($"create {count}"), CultureInfo.InvariantCulture);
var done = 0;
while (clock.Elapsed < TimeSpan.FromMinutes(5) && (done = await apiServer.AskNumberAsync($"converged {count}")) < count)
{
    await Task.Delay(250);
}

var converged = clock.Elapsed;
var cpu = CpuSeconds();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{count} InferenceServices: created in {created:0.0} s, {done} converged (plan in status, Deployment, Service) after {converged.TotalSeconds:0.0} s (goal <= 30 s on 2 cores; ratio {converged.TotalSeconds / 30:0.00}); operator CPU {cpu:0.0} s, machine load average {LoadAverage()}"));
var rssConverged = Rss();

// The next full-resync tick reconciles every service again with nothing changed: done when reconcile_total has grown
// by the count since the counters were reset.
await Task.Delay(TimeSpan.FromSeconds(1));
await apiServer.AskAsync("reset");
var before = metrics.Reconciles(OperatorRuntime.ControllerName);
var waited = Stopwatch.StartNew();
while (waited.Elapsed < TimeSpan.FromMinutes(2) && metrics.Reconciles(OperatorRuntime.ControllerName) == before)
{
    await Task.Delay(20);
}

var pass = Stopwatch.StartNew();
while (pass.Elapsed < TimeSpan.FromMinutes(2) && metrics.Reconciles(OperatorRuntime.ControllerName) - before < count)
{
    await Task.Delay(20);
}

var writes = await apiServer.AskNumberAsync("writes");
var reconciled = metrics.Reconciles(OperatorRuntime.ControllerName) - before;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"timer resync (every {options.FullResyncSeconds} s): {reconciled:0} reconciles in {pass.Elapsed.TotalSeconds:0.0} s after the tick, {writes} write calls (goal 0)"));

var rss = Rss();
var gc = GC.GetGCMemoryInfo();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"operator process RSS {rss:0} MB after the resync ({rssIdle:0} MB idle before the services, {rssConverged:0} MB at convergence; managed heap {gc.HeapSizeBytes / 1048576.0:0} MB, GC committed {gc.TotalCommittedBytes / 1048576.0:0} MB; {(GCSettings.IsServerGC ? "server" : "workstation")} GC) — goal <= {RssGoalMb:0} MB, ratio {rss / RssGoalMb:0.00}; the test API server runs in process {apiServer.ProcessId}, not counted"));
await stop.CancelAsync();
try
{
    await running;
}
catch (OperationCanceledException)
{
    // Stopping.
}

static double CpuSeconds()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime.TotalSeconds;
}

// Other work on the machine slows convergence; the load average says how busy it was.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static double Rss()
{
    using var self = Process.GetCurrentProcess();
    return self.WorkingSet64 / 1048576.0;
}
