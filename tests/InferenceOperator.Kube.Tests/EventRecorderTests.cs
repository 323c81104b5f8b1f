using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed partial class EventRecorderTests : ServerTest
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private EventRecorder NewRecorder() =>
        new(Client, new EventRecorderOptions { ReportingController = "test.example.io/widget-operator", ReportingInstance = "pod-0" }, NullLogger.Instance, time);

    [GeneratedRegex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$")]
    private static partial Regex MicroTime();

    [Fact]
    public async Task Should_WriteEventsV1WithMicrosecondTime_When_Recording()
    {
        var widget = await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "w"), default);

        var name = await NewRecorder().RecordAsync(widget, EventRecorder.Normal, "Planned", "Plan", "planned 2 replicas", default);

        Assert.NotNull(name);
        Assert.StartsWith("w.", name, StringComparison.Ordinal);
        var raw = await Client.CustomObjects.GetNamespacedCustomObjectAsync("events.k8s.io", "v1", Ns, "events", name);
        var json = KubernetesJson.Serialize(raw);
        var ev = KubernetesJson.Deserialize<Eventsv1Event>(json);
        Assert.Equal("Planned", ev.Reason);
        Assert.Equal("Widget", ev.Regarding.Kind);
        Assert.Equal(widget.Metadata.Uid, ev.Regarding.Uid);
        Assert.Equal("test.example.io/widget-operator", ev.ReportingController);
        var eventTime = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("eventTime").GetString()!;
        Assert.Matches(MicroTime(), eventTime);
    }

    [Fact]
    public async Task Should_AggregateRepeatsIntoSeries_When_SameEventRecurs()
    {
        var widget = await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "w"), default);
        var recorder = NewRecorder();

        var first = await recorder.RecordAsync(widget, EventRecorder.Warning, "NoFeasiblePlan", "Plan", "no accelerator fits", default);
        time.Advance(TimeSpan.FromSeconds(30));
        var second = await recorder.RecordAsync(widget, EventRecorder.Warning, "NoFeasiblePlan", "Plan", "no accelerator fits", default);
        time.Advance(TimeSpan.FromSeconds(30));
        var third = await recorder.RecordAsync(widget, EventRecorder.Warning, "NoFeasiblePlan", "Plan", "no accelerator fits", default);
        var different = await recorder.RecordAsync(widget, EventRecorder.Normal, "Planned", "Plan", "fits now", default);

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.NotEqual(first, different);
        var events = await Client.EventsV1.ListNamespacedEventAsync(Ns);
        Assert.Equal(2, events.Items.Count);
        var aggregated = events.Items.Single(e => e.Metadata.Name == first);
        Assert.Equal(3, aggregated.Series.Count);
        Assert.Equal(new DateTime(2026, 1, 1, 12, 1, 0, DateTimeKind.Utc).AddTicks(10), aggregated.Series.LastObservedTime);
    }

    [Fact]
    public async Task Should_StartANewEvent_When_TheOldOneWasDeleted()
    {
        var widget = await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "w"), default);
        var recorder = NewRecorder();
        var first = await recorder.RecordAsync(widget, EventRecorder.Normal, "Planned", "Plan", "same", default);
        await Client.EventsV1.DeleteNamespacedEventAsync(first, Ns);
        time.Advance(TimeSpan.FromMilliseconds(5));

        var second = await recorder.RecordAsync(widget, EventRecorder.Normal, "Planned", "Plan", "same", default);

        Assert.NotEqual(first, second);
        Assert.Single((await Client.EventsV1.ListNamespacedEventAsync(Ns)).Items);
    }

    [Fact]
    public void Should_KeepMicrosecondsNonZero_When_TimeIsAWholeSecond()
    {
        var whole = new DateTimeOffset(2026, 1, 1, 12, 0, 11, TimeSpan.Zero);

        var micro = EventRecorder.MicroTime(whole);
        var serialized = KubernetesJson.Serialize(new Eventsv1Event { EventTime = micro });

        Assert.Contains("\"2026-01-01T12:00:11.000001Z\"", serialized, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_RejectWholeSecondEventTime_And_DottedGenerateName_As_TheRealServerDoes()
    {
        var ev = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "e1" },
            EventTime = new DateTime(2026, 1, 1, 12, 0, 11, DateTimeKind.Utc),
            ReportingController = "c",
            ReportingInstance = "i",
            Action = "A",
            Reason = "R",
            Type = "Normal",
        };
        var wholeSecond = await Assert.ThrowsAsync<HttpOperationException>(() => Client.EventsV1.CreateNamespacedEventAsync(ev, Ns));
        ev.Metadata = new V1ObjectMeta { GenerateName = "w." };
        ev.EventTime = EventRecorder.MicroTime(DateTimeOffset.UtcNow);
        var dotted = await Assert.ThrowsAsync<HttpOperationException>(() => Client.EventsV1.CreateNamespacedEventAsync(ev, Ns));

        Assert.Equal(HttpStatusCode.BadRequest, wholeSecond.Response.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dotted.Response.StatusCode);
        Assert.Contains(KubernetesJson.Deserialize<V1Status>(dotted.Response.Content).Details.Causes, c => c.Field == "metadata.generateName");
    }
}
