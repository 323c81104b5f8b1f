using InferenceOperator.Reports.Traffic;
using Xunit;

namespace InferenceOperator.Reports.Tests;

public sealed class PrometheusTrafficSourceTests
{
    private static readonly ServiceKey[] Keys = [new("team-a", "classifier"), new("team-a", "embedder"), new("team-b", "detector")];

    private static (int, string) Answer(string query) => query.Contains("inference_requests_total", StringComparison.Ordinal)
        ? (200, FakePrometheus.Vector(("team-a", "classifier", "30240000.4"), ("team-a", "embedder", "0"), ("team-b", "detector", "999999.6"), ("team-z", "classifier", "5")))
        : (200, FakePrometheus.Vector(("team-a", "classifier", "0.5"), ("team-a", "embedder", "0"), ("team-b", "detector", "NaN")));

    [Fact]
    public async Task Should_ReadInferencesAndBusyRatio_PerNamespaceAndModel()
    {
        await using var prometheus = await FakePrometheus.StartAsync(Answer);
        using var http = new HttpClient();
        var source = new PrometheusTrafficSource(http, prometheus.BaseAddress);

        var snapshot = await source.ObserveAsync(Keys, Fixtures.End, Fixtures.Week, CancellationToken.None);

        Assert.True(snapshot.Available);
        // increase() extrapolates: counts are rounded to whole inferences; another namespace's "classifier" is not ours.
        Assert.Equal(new ServiceTraffic(30_240_000, 0.5), snapshot.For(Keys[0]));
        Assert.Equal(new ServiceTraffic(0, 0), snapshot.For(Keys[1]));
        // NaN (an empty range) is no data, never a number.
        Assert.Equal(new ServiceTraffic(1_000_000, null), snapshot.For(Keys[2]));
    }

    [Fact]
    public async Task Should_AskThePromQLOfTheDocs_AtTheWindowsEnd()
    {
        await using var prometheus = await FakePrometheus.StartAsync(Answer);
        using var http = new HttpClient();

        await new PrometheusTrafficSource(http, prometheus.BaseAddress).ObserveAsync(Keys, Fixtures.End, Fixtures.Week, CancellationToken.None);

        var queries = prometheus.Queries.ToList();
        Assert.Equal(2, queries.Count);
        Assert.Equal("sum by (namespace, model) (increase(inference_requests_total{code=\"200\",model=~\"classifier|detector|embedder\"}[604800s]))", queries[0].Query);
        Assert.Equal("avg by (namespace, model) (avg_over_time(inference_busy_ratio{model=~\"classifier|detector|embedder\"}[604800s]))", queries[1].Query);
        Assert.All(queries, q => Assert.Equal(Fixtures.End.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), q.Time));
    }

    [Fact]
    public async Task Should_BuildTheFixtureReport_FromAFakePrometheus()
    {
        await using var prometheus = await FakePrometheus.StartAsync(Answer);
        using var http = new HttpClient();

        var report = await new ReportBuilder(new PrometheusTrafficSource(http, prometheus.BaseAddress)).BuildAsync(Fixtures.Request(), CancellationToken.None);

        // Same traffic as the hand-computed fixture, so the same figures.
        Assert.Equal(Fixtures.Report().Total, report.Total);
        Assert.Equal(11.1779m, report.Services[0].CostPerMillion);
    }

    [Fact]
    public async Task Should_KeepAPathPrefix_And_MatchByName_When_SeriesHaveNoNamespace()
    {
        await using var prometheus = await FakePrometheus.StartAsync(
            q => (200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"model\":\"detector\"},\"value\":[1,\"42\"]}]}}"),
            "/prometheus/");
        using var http = new HttpClient();
        var source = new PrometheusTrafficSource(http, new Uri(prometheus.BaseAddress.AbsoluteUri.TrimEnd('/')), namespaceLabel: null);

        var snapshot = await source.ObserveAsync(Keys, Fixtures.End, TimeSpan.FromHours(1), CancellationToken.None);

        Assert.True(snapshot.Available);
        Assert.Equal(42L, snapshot.For(Keys[2]).Inferences);
        Assert.Null(snapshot.For(Keys[0]).Inferences);
        Assert.StartsWith("sum by (model) (", prometheus.Queries.First().Query, StringComparison.Ordinal);
        Assert.Contains("[3600s]", prometheus.Queries.First().Query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}", "answered an error: HTTP 400: parse error at char 5")]
    [InlineData(502, "<html>Bad Gateway</html>", "answered an error: HTTP 502, not a Prometheus API answer")]
    [InlineData(200, "{\"status\":\"success\",\"data\":{}}", "answered an error: answer has no data.result")]
    public async Task Should_BeUnavailable_WithTheReason_When_PrometheusAnswersAnError(int status, string body, string reason)
    {
        await using var prometheus = await FakePrometheus.StartAsync(_ => (status, body));
        using var http = new HttpClient();

        var snapshot = await new PrometheusTrafficSource(http, prometheus.BaseAddress).ObserveAsync(Keys, Fixtures.End, Fixtures.Week, CancellationToken.None);

        Assert.False(snapshot.Available);
        Assert.EndsWith(reason, snapshot.UnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_NotQuery_When_ThereAreNoServices()
    {
        await using var prometheus = await FakePrometheus.StartAsync(Answer);
        using var http = new HttpClient();

        var snapshot = await new PrometheusTrafficSource(http, prometheus.BaseAddress).ObserveAsync([], Fixtures.End, Fixtures.Week, CancellationToken.None);

        Assert.True(snapshot.Available);
        Assert.Empty(prometheus.Queries);
    }

    [Theory]
    [InlineData(7 * 24 * 3600, "604800s")]
    [InlineData(0.2, "1s")]
    [InlineData(90, "90s")]
    public void Should_WriteRangesInWholeSeconds(double seconds, string expected)
    {
        Assert.Equal(expected, PrometheusQueries.Range(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Should_EscapeRegexMetacharacters_InServiceNames()
    {
        Assert.Contains("model=~\"a\\\\.b|c\"", PrometheusQueries.Inferences(["c", "a.b", "c"], TimeSpan.FromHours(1), "namespace"), StringComparison.Ordinal);
    }
}
