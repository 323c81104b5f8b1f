using InferenceOperator.Reports.Traffic;
using Xunit;

namespace InferenceOperator.Reports.Tests;

public sealed class ReportBuilderTests
{
    /// <summary>A hand-written traffic source that records what it was asked and answers the fixture's traffic.</summary>
    private sealed class RecordingTrafficSource : ITrafficSource
    {
        public List<(IReadOnlyCollection<ServiceKey> Services, DateTimeOffset End, TimeSpan Window)> Calls { get; } = [];

        public Task<TrafficSnapshot> ObserveAsync(IReadOnlyCollection<ServiceKey> services, DateTimeOffset end, TimeSpan window, CancellationToken cancellationToken)
        {
            Calls.Add((services, end, window));
            return Task.FromResult(Fixtures.Traffic());
        }
    }

    [Fact]
    public async Task Should_AskTheTrafficSourceOnce_ForEveryServiceOverTheWindow()
    {
        var source = new RecordingTrafficSource();
        var services = Fixtures.Services();
        services.Add(Fixtures.Services()[0]); // the same service listed twice is asked for once

        var report = await new ReportBuilder(source).BuildAsync(Fixtures.Request(services) with { Window = TimeSpan.FromDays(1) }, CancellationToken.None);

        var call = Assert.Single(source.Calls);
        Assert.Equal([new("team-a", "classifier"), new("team-a", "embedder"), new ServiceKey("team-b", "detector")], call.Services.OrderBy(k => k.ToString(), StringComparer.Ordinal).ToList());
        Assert.Equal(Fixtures.End, call.End);
        Assert.Equal(TimeSpan.FromDays(1), call.Window);
        Assert.Equal(TimeSpan.FromDays(1), report.Window);
        // 1-day window: classifier window cost = 2.012 x 24 = 48.288 -> 48.29.
        Assert.Equal(48.29m, report.Services[0].WindowCost);
    }
}
