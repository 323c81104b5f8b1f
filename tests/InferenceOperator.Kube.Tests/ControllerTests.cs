using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace InferenceOperator.Kube.Tests;

/// <summary>Records every reconcile; optionally fails the first attempts.</summary>
internal sealed class RecordingReconciler(Func<ObjectKey, int, ReconcileResult>? decide = null) : IReconciler<Widget>
{
    public ConcurrentQueue<ObjectKey> Calls { get; } = new();

    private readonly ConcurrentDictionary<ObjectKey, int> attempts = new();

    public int CallsFor(ObjectKey key) => Calls.Count(k => k == key);

    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        Calls.Enqueue(key);
        var attempt = attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        return Task.FromResult(decide?.Invoke(key, attempt) ?? ReconcileResult.Done);
    }
}

/// <summary>Captures metrics callbacks.</summary>
internal sealed class RecordingMetrics : IControllerMetrics
{
    public ConcurrentQueue<(bool Success, TimeSpan Duration)> Reconciles { get; } = new();

    public ConcurrentQueue<int> Retries { get; } = new();

    public ConcurrentQueue<int> Depths { get; } = new();

    public void QueueDepth(string controller, int depth) => Depths.Enqueue(depth);

    public void RetryScheduled(string controller, int attempt, TimeSpan delay) => Retries.Enqueue(attempt);

    public void ReconcileCompleted(string controller, ReconcileResult result, TimeSpan duration) => Reconciles.Enqueue((result.IsSuccess, duration));
}

public sealed class ControllerTests : ServerTest
{
    private static readonly InformerOptions Fast = new() { Namespace = Ns, WatchTimeoutSeconds = 5, InitialBackoff = TimeSpan.FromMilliseconds(20) };

    private (Controller<Widget> Controller, Informer<Widget> Widgets, Informer<V1ConfigMap> ConfigMaps) NewController(RecordingReconciler reconciler, IControllerMetrics? metrics = null, TimeProvider? time = null)
    {
        var widgets = new Informer<Widget>(EntityClient<Widget>(), Fast with { SkipStatusOnlyUpdates = true }, NullLogger.Instance);
        var configMaps = new Informer<V1ConfigMap>(EntityClient<V1ConfigMap>(), Fast, NullLogger.Instance);
        var controller = new Controller<Widget>("widgets", widgets, reconciler, new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromMilliseconds(10) }, NullLogger.Instance, metrics, time)
            .Owns(configMaps);
        return (controller, widgets, configMaps);
    }

    [Fact]
    public async Task Should_ReconcileExistingAndNewObjects_When_Running()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "existing"), default);
        var reconciler = new RecordingReconciler();
        var metrics = new RecordingMetrics();
        var (controller, _, _) = NewController(reconciler, metrics);
        using var cancel = new CancellationTokenSource();

        var running = controller.RunAsync(cancel.Token);
        await Await.UntilAsync(() => reconciler.CallsFor(new(Ns, "existing")) == 1, "the existing widget is reconciled");
        await widgets.CreateAsync(Widget.New(Ns, "new"), default);
        await Await.UntilAsync(() => reconciler.CallsFor(new(Ns, "new")) == 1, "the new widget is reconciled");

        Assert.True(controller.IsReconciling);
        Assert.All(metrics.Reconciles, r => Assert.True(r.Success));
        Assert.NotEmpty(metrics.Depths);
        await cancel.CancelAsync();
        await running;
        Assert.False(controller.IsReconciling);
    }

    [Fact]
    public async Task Should_ReconcileOwner_When_OwnedObjectChanges_But_NotOnStatusOnlyUpdates()
    {
        var widgets = EntityClient<Widget>();
        var owner = await widgets.CreateAsync(Widget.New(Ns, "owner"), default);
        var reconciler = new RecordingReconciler();
        var (controller, cache, _) = NewController(reconciler);
        using var cancel = new CancellationTokenSource();
        var running = controller.RunAsync(cancel.Token);
        var key = new ObjectKey(Ns, "owner");
        await Await.UntilAsync(() => reconciler.CallsFor(key) == 1, "the owner is reconciled once");

        await widgets.PatchStatusAsync(Ns, "owner", new WidgetStatus { Phase = "Ready" }, default);
        await Await.UntilAsync(() => cache.Get(key)?.Status?.Phase == "Ready", "the status-only update reached the cache");
        await Task.Yield();
        Assert.Equal(1, reconciler.CallsFor(key));
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "owned",
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "test.example.io/v1", Kind = "Widget", Name = "owner", Uid = owner.Metadata.Uid, Controller = true }],
                },
            },
            Ns);

        await Await.UntilAsync(() => reconciler.CallsFor(key) == 2, "the owned config map maps to its owner");
        Server.Mutate<V1ConfigMap>(Ns, "owned", cm => cm.Data = new Dictionary<string, string> { ["drift"] = "yes" });
        await Await.UntilAsync(() => reconciler.CallsFor(key) == 3, "drift in the owned object reconciles the owner");
        Assert.Equal(3, reconciler.CallsFor(key));
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_RetryFailedReconciles_And_ReportThem()
    {
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "flaky"), default);
        var reconciler = new RecordingReconciler((_, attempt) => attempt < 3 ? ReconcileResult.Failure("not yet") : ReconcileResult.Done);
        var metrics = new RecordingMetrics();
        var (controller, _, _) = NewController(reconciler, metrics);
        using var cancel = new CancellationTokenSource();

        var running = controller.RunAsync(cancel.Token);

        await Await.UntilAsync(() => reconciler.CallsFor(new(Ns, "flaky")) == 3, "the reconcile succeeds on the third attempt");
        Assert.Equal([1, 2], metrics.Retries);
        Assert.Equal([false, false, true], metrics.Reconciles.Select(r => r.Success));
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_MapRelatedObjects_When_AMapperIsGiven()
    {
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "a"), default);
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "b"), default);
        var reconciler = new RecordingReconciler();
        var (controller, widgets, _) = NewController(reconciler);
        var policies = new Informer<V1Secret>(EntityClient<V1Secret>(), Fast, NullLogger.Instance);
        controller.Watches(policies, secret => widgets.List(Ns).Where(w => w.Metadata.Name == secret.Metadata.Name).Select(ObjectKey.Of));
        using var cancel = new CancellationTokenSource();
        var running = controller.RunAsync(cancel.Token);
        await Await.UntilAsync(() => reconciler.Calls.Count == 2, "both widgets are reconciled");

        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "b" } }, Ns);

        await Await.UntilAsync(() => reconciler.CallsFor(new(Ns, "b")) == 2, "only the affected widget is reconciled again");
        Assert.Equal(1, reconciler.CallsFor(new(Ns, "a")));
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_ReconcileOnce_When_AnUpdateMapsOldAndNewToTheSameKey()
    {
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "a"), default);
        var reconciler = new RecordingReconciler();
        var (controller, _, _) = NewController(reconciler);
        var secrets = new Informer<V1Secret>(EntityClient<V1Secret>(), Fast, NullLogger.Instance);
        var key = new ObjectKey(Ns, "a");
        var stallOnOld = 0;
        var baseline = 0;
        controller.Watches(secrets, secret =>
        {
            // Mapping the old copy stalls until a reconcile has started (or 1 s): if the new copy's key were already
            // queued, a worker would take it meanwhile and the old copy's add would queue the same change again.
            if (Volatile.Read(ref stallOnOld) == 1 && secret.Data?["v"] is [(byte)'1'])
            {
                var until = DateTime.UtcNow.AddSeconds(1);
                while (reconciler.CallsFor(key) == Volatile.Read(ref baseline) && DateTime.UtcNow < until)
                {
                    Thread.Sleep(5);
                }
            }

            return [key];
        });
        using var cancel = new CancellationTokenSource();
        var running = controller.RunAsync(cancel.Token);
        // Events that arrive before the controller reconciles are covered by its initial pass, not queued: wait for it.
        await Await.UntilAsync(() => reconciler.CallsFor(key) == 1, "the widget is reconciled initially");
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Data = new Dictionary<string, byte[]> { ["v"] = "1"u8.ToArray() } }, Ns);
        await Await.UntilAsync(() => reconciler.CallsFor(key) == 2, "the new secret reconciles the widget");

        Volatile.Write(ref baseline, 2);
        Volatile.Write(ref stallOnOld, 1);
        await Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("{\"data\":{\"v\":\"Mg==\"}}", V1Patch.PatchType.MergePatch), "s", Ns);
        await Await.UntilAsync(() => reconciler.CallsFor(key) == 3, "the secret's update reconciles the widget");
        await Task.Delay(500);

        Assert.Equal(3, reconciler.CallsFor(key));
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_ResyncUnreadyObjectsOften_And_AllObjectsRarely_Only_WhileReconciling()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "ready"), default);
        await widgets.CreateAsync(Widget.New(Ns, "pending"), default);
        await widgets.PatchStatusAsync(Ns, "ready", new WidgetStatus { Phase = "Ready" }, default);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reconciler = new RecordingReconciler();
        var (controller, cache, _) = NewController(reconciler, time: time);
        controller
            .ResyncEvery(TimeSpan.FromSeconds(30), w => w.Status?.Phase != "Ready")
            .ResyncEvery(TimeSpan.FromMinutes(10));
        var (ready, pending) = (new ObjectKey(Ns, "ready"), new ObjectKey(Ns, "pending"));
        using var cancel = new CancellationTokenSource();
        var running = controller.RunAsync(cancel.Token);
        await Await.UntilAsync(() => reconciler.CallsFor(ready) == 1 && reconciler.CallsFor(pending) == 1, "the initial pass reconciles both");
        Assert.Equal("Ready", cache.Get(ready)?.Status?.Phase);

        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(100);
        Assert.Equal(1, reconciler.CallsFor(pending));

        for (var tick = 2; tick <= 3; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(tick == 2 ? 1 : 30));
            await Await.UntilAsync(() => reconciler.CallsFor(pending) == tick, $"resync {tick - 1} requeues the widget that is not ready");
        }

        Assert.Equal(1, reconciler.CallsFor(ready));
        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(60));
        await Await.UntilAsync(() => reconciler.CallsFor(ready) == 2, "the full resync requeues every widget");

        await cancel.CancelAsync();
        await running;
        var calls = reconciler.Calls.Count;
        time.Advance(TimeSpan.FromMinutes(20));
        await Task.Delay(100);
        Assert.Equal(calls, reconciler.Calls.Count);
    }
}
