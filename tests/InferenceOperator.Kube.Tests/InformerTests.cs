using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class InformerTests : ServerTest
{
    private static readonly InformerOptions Fast = new()
    {
        Namespace = Ns,
        WatchTimeoutSeconds = 1,
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
    };

    private Informer<Widget> NewInformer(InformerOptions? options = null) =>
        new(EntityClient<Widget>(), options ?? Fast, NullLogger.Instance);

    [Fact]
    public async Task Should_ConvergeCache_When_ObjectsAreCreatedChangedAndDeleted()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "existing"), default);
        var informer = NewInformer();
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);
        Assert.NotNull(informer.Get(Ns, "existing"));

        await widgets.CreateAsync(Widget.New(Ns, "new", size: 1), default);
        await widgets.ApplyAsync(Widget.New(Ns, "new", size: 5));
        await widgets.DeleteAsync(Ns, "existing", default);

        await Await.UntilAsync(() => informer.Get(Ns, "new")?.Spec.Size == 5 && informer.Get(Ns, "existing") is null, "the cache matches the server");
        Assert.Single(informer.List(Ns));
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_RelistAndRecover_When_WatchReturns410()
    {
        var widgets = EntityClient<Widget>();
        var informer = NewInformer();
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);
        Assert.Equal(1, informer.Lists);

        // Hold the informer off the server while history moves past its resourceVersion.
        var outage = Server.InjectFault("GET", "watch=true", 500, times: 1000);
        await Await.UntilAsync(() => outage.Remaining < 1000, "a watch request hits the outage");
        await widgets.CreateAsync(Widget.New(Ns, "while-away"), default);
        Server.CompactHistory();
        outage.Cancel();

        await Await.UntilAsync(() => informer.Get(Ns, "while-away") is not null, "the relist brings the missed object");
        Assert.Equal(2, informer.Lists);
        Assert.Contains(Server.Requests, r => r.Contains("watch=true", StringComparison.Ordinal));
        await widgets.CreateAsync(Widget.New(Ns, "after"), default);
        await Await.UntilAsync(() => informer.Get(Ns, "after") is not null, "watching resumes after the relist");
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_Relist_When_WatchRequestFailsWithHttp410()
    {
        var informer = NewInformer();
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);

        Server.InjectFault("GET", "watch=true", 410, times: 1, reason: "Expired");

        await Await.UntilAsync(() => informer.Lists == 2, "the informer relists after HTTP 410");
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "later"), default);
        await Await.UntilAsync(() => informer.Get(Ns, "later") is not null, "the informer keeps watching");
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_BackOffAndSync_When_ListFailsAtFirst()
    {
        var fault = Server.InjectFault("GET", "/widgets", 500, times: 3);
        var informer = NewInformer();
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);

        await informer.WaitForSyncAsync(cancel.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, fault.Remaining);
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_SkipStatusOnlyUpdates_When_Configured_And_StillSeeSpecChanges()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "a"), default);
        var informer = NewInformer(Fast with { SkipStatusOnlyUpdates = true });
        var seen = new List<(WatchEventType, long?)>();
        informer.AddHandler((type, obj, _) =>
        {
            lock (seen)
            {
                seen.Add((type, obj.Metadata.Generation));
            }
        });
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);

        await widgets.PatchStatusAsync(Ns, "a", new WidgetStatus { Phase = "Ready" }, default);
        await Await.UntilAsync(() => informer.Get(Ns, "a")?.Status?.Phase == "Ready", "the cache has the status");
        await widgets.ApplyAsync(Widget.New(Ns, "a", size: 2));
        await Await.UntilAsync(() => informer.Get(Ns, "a")?.Spec.Size == 2, "the cache has the spec change");

        lock (seen)
        {
            Assert.Equal([(WatchEventType.Added, 1L), (WatchEventType.Modified, 2L)], seen.Select(s => (s.Item1, s.Item2 ?? 0)).ToList());
        }

        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_KeepWatching_When_AHandlerThrows()
    {
        var informer = NewInformer();
        var calls = 0;
        informer.AddHandler((_, _, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("handler bug");
            }
        });
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);
        var widgets = EntityClient<Widget>();

        await widgets.CreateAsync(Widget.New(Ns, "first"), default);
        await widgets.CreateAsync(Widget.New(Ns, "second"), default);

        await Await.UntilAsync(() => informer.Get(Ns, "second") is not null && Volatile.Read(ref calls) >= 2, "events after the throwing one arrive");
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_CacheBuiltInTypes_When_WatchingAllNamespaces()
    {
        var configMaps = new Informer<V1ConfigMap>(EntityClient<V1ConfigMap>(), Fast with { Namespace = null }, NullLogger.Instance);
        using var cancel = new CancellationTokenSource();
        var running = configMaps.RunAsync(cancel.Token);
        await configMaps.WaitForSyncAsync(cancel.Token);

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "other-ns");

        await Await.UntilAsync(() => configMaps.Get("other-ns", "c") is not null, "the config map is cached");
        await cancel.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Should_SkipUndecodableEvent_And_KeepWatching()
    {
        var log = new ListLogger();
        var informer = new Informer<Widget>(EntityClient<Widget>(), Fast, log);
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);

        var undecodable = System.Text.Json.Nodes.JsonNode.Parse("{\"apiVersion\":\"test.example.io/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"bad\"},\"spec\":{\"size\":\"not-a-number\"}}")!;
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(undecodable, "test.example.io", "v1", Ns, "widgets");
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "good"), default);

        await Await.UntilAsync(() => informer.Get(Ns, "good") is not null, "the event after the bad one arrives");
        Assert.Null(informer.Get(Ns, "bad"));
        Assert.Equal(1, informer.Lists);
        Assert.Contains(log.Lines, l => l.Contains("Skipped a bad watch event", StringComparison.Ordinal));
        await cancel.CancelAsync();
        await running;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_CacheObjectsWithoutManagedFields_Unless_AskedToKeepThem(bool strip)
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "listed"), default);
        var informer = NewInformer(Fast with { StripManagedFields = strip });
        using var cancel = new CancellationTokenSource();
        var running = informer.RunAsync(cancel.Token);
        await informer.WaitForSyncAsync(cancel.Token);
        await widgets.ApplyAsync(Widget.New(Ns, "watched", size: 3));
        await Await.UntilAsync(() => informer.Get(Ns, "watched") is not null, "the watched widget is cached");

        Assert.NotEmpty(Server.Get<Widget>(Ns, "watched")!.Metadata.ManagedFields);
        foreach (var name in new[] { "listed", "watched" })
        {
            var cached = informer.Get(Ns, name)!;
            Assert.Equal(strip, cached.Metadata.ManagedFields is null);
            Assert.NotNull(cached.Metadata.ResourceVersion);
        }

        await cancel.CancelAsync();
        await running;
    }
}
