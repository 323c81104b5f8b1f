using InferenceOperator.TestApiServer;
using k8s;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class WatchTests : ServerTest
{
    protected override TestApiServerOptions ServerOptions => new() { BookmarkInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Should_StreamChangesAndBookmarks_When_WatchingFromResourceVersion()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "before"), default);
        var rv = (await widgets.ListAsync(Ns)).Metadata!.ResourceVersion;
        var events = new List<(WatchEventType Type, Widget Object)>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var errors = new List<Exception>();

        var watching = Task.Run(async () =>
        {
            await foreach (var e in widgets.WatchAsync(Ns, rv, null, timeoutSeconds: 3, errors.Add, cancel.Token))
            {
                lock (events)
                {
                    events.Add(e);
                }
            }
        });
        await widgets.CreateAsync(Widget.New(Ns, "after", size: 4), default);
        await widgets.DeleteAsync(Ns, "after", default);
        await Await.UntilAsync(
            () =>
            {
                lock (events)
                {
                    return events.SkipWhile(e => e.Type != WatchEventType.Deleted).Any(e => e.Type == WatchEventType.Bookmark);
                }
            },
            "a bookmark follows the changes");
        await watching;

        Assert.Empty(errors);
        var changes = events.Where(e => e.Type != WatchEventType.Bookmark).Select(e => (e.Type, e.Object.Metadata.Name)).ToList();
        Assert.Equal([(WatchEventType.Added, "after"), (WatchEventType.Deleted, "after")], changes);
        var bookmark = events.Last(e => e.Type == WatchEventType.Bookmark).Object;
        Assert.Null(bookmark.Metadata.Name);
        Assert.Null(bookmark.Spec.Size);
        Assert.Equal(Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmark.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Should_SendErrorEventWithStatus410_When_WatchingAnExpiredResourceVersion()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "a"), default);
        var rv = (await widgets.ListAsync(Ns)).Metadata!.ResourceVersion;
        await widgets.CreateAsync(Widget.New(Ns, "b"), default);
        Server.CompactHistory();
        var errors = new List<Exception>();
        var events = 0;

        await foreach (var _ in widgets.WatchAsync(Ns, rv, null, timeoutSeconds: 5, errors.Add, CancellationToken.None))
        {
            events++;
        }

        Assert.Equal(0, events);
        var expired = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
    }

    [Fact]
    public async Task Should_ExpireOldResourceVersions_When_HistoryWindowIsSmall()
    {
        var widgets = EntityClient<Widget>();
        Server.HistoryLimit = 2;
        await widgets.CreateAsync(Widget.New(Ns, "first"), default);
        var rv = (await widgets.ListAsync(Ns)).Metadata!.ResourceVersion;
        for (var i = 0; i < 4; i++)
        {
            await widgets.CreateAsync(Widget.New(Ns, $"w{i}"), default);
        }

        var errors = new List<Exception>();
        await foreach (var _ in widgets.WatchAsync(Ns, rv, null, timeoutSeconds: 5, errors.Add, CancellationToken.None))
        {
        }

        Assert.Equal(410, Assert.IsType<KubernetesException>(Assert.Single(errors)).Status.Code);
    }

    [Fact]
    public async Task Should_SendBookmarkShortlyBeforeTimeout_When_NothingChanges()
    {
        await using var quiet = await TestApiServer.TestApiServer.StartAsync(new TestApiServerOptions { BookmarkBeforeTimeout = TimeSpan.FromMilliseconds(500) });
        quiet.RegisterCustomResource<Widget>();
        using var client = KubernetesClientFactory.Create(quiet.ClientConfiguration());
        var widgets = new EntityClient<Widget>(client, "m");
        var rv = (await widgets.ListAsync(Ns)).Metadata!.ResourceVersion;
        var types = new List<WatchEventType>();
        var started = DateTime.UtcNow;

        await foreach (var (type, _) in widgets.WatchAsync(Ns, rv, null, timeoutSeconds: 2, _ => { }, CancellationToken.None))
        {
            types.Add(type);
        }

        Assert.Equal([WatchEventType.Bookmark], types);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5));
    }
}
