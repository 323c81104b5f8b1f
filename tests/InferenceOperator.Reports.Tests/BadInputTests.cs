using InferenceOperator.Api;
using InferenceOperator.Reports.Rendering;
using InferenceOperator.Reports.Traffic;
using Xunit;

namespace InferenceOperator.Reports.Tests;

/// <summary>No Prometheus, no plan, zero traffic, a price missing from the catalog: the report still renders and marks each gap.</summary>
public sealed class BadInputTests
{
    /// <summary>team-a/unplanned: status without a plan (e.g. just created, or no feasible plan).</summary>
    internal static InferenceService Unplanned() =>
        Fixtures.Service("team-a", "unplanned", "cheap", 100, 100, plan: null, running: null, Fixtures.Profile());

    [Fact]
    public async Task Should_RenderFromPlans_And_MarkObservedColumns_When_NoPrometheusIsGiven()
    {
        var report = await new ReportBuilder().BuildAsync(Fixtures.Request(), CancellationToken.None);

        Assert.False(report.TrafficAvailable);
        Assert.All(report.Services, s =>
        {
            Assert.Equal(TrafficState.NoPrometheus, s.Traffic);
            Assert.Null(s.Inferences);
            Assert.Null(s.CostPerMillion);
            Assert.True(s.Has(GapKind.NoPrometheus));
            Assert.NotNull(s.CostPerMonth);
        });
        // Without an observed busy ratio, power is the plan's: classifier 120 W planned for 2 replicas, 2 running (as observed);
        // embedder 60 W instead of the observed 22.5 W: 3 x 0.16 + 0.06 x 0.10 = 0.486 $/h -> 354.78 $/month.
        Assert.Equal(2.0120m, report.Services[0].CostPerHour);
        Assert.Equal(354.78m, report.Services[1].CostPerMonth);
        // 1468.76 + 354.78 + 2956.50
        Assert.Equal(4780.04m, report.Total.CostPerMonth);

        var table = ReportTable.From(report);
        Assert.Equal(ReportText.NoPrometheus, table.Rows[0].Cells[7]);
        Assert.Equal(ReportText.NoPrometheus, table.Rows[0].Cells[8]);
        Assert.Equal(ReportText.NoPrometheus, table.Rows[^1].Cells[7]);
        var csv = CsvReportWriter.Write(report);
        Assert.Contains(",n/a (no Prometheus),n/a (no Prometheus),n/a (no Prometheus),", csv, StringComparison.Ordinal);
        Assert.Contains("n/a (no Prometheus)", HtmlReportWriter.Write(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_MarkNoPrometheus_When_ThePrometheusUrlIsUnreachable()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var source = new PrometheusTrafficSource(http, new Uri("http://127.0.0.1:" + FakePrometheus.UnusedPort() + "/"));

        var report = await new ReportBuilder(source).BuildAsync(Fixtures.Request(), CancellationToken.None);

        Assert.False(report.TrafficAvailable);
        Assert.StartsWith("no Prometheus at http://127.0.0.1:", report.TrafficUnavailableReason, StringComparison.Ordinal);
        Assert.All(report.Services, s => Assert.Equal(TrafficState.NoPrometheus, s.Traffic));
        Assert.Equal(4780.04m, report.Total.CostPerMonth);
    }

    [Fact]
    public void Should_MarkTheRow_And_LeaveItOutOfTotals_When_AServiceHasNoPlan()
    {
        var services = Fixtures.Services();
        services.Add(Unplanned());

        var report = new ReportBuilder().Build(Fixtures.Request(services), Fixtures.Traffic());

        var row = report.Services.Single(s => s.Name == "unplanned");
        Assert.True(row.Has(GapKind.NoPlan));
        Assert.Null(row.Accelerator);
        Assert.Null(row.CostPerMonth);
        Assert.Null(row.KwhPerMonth);
        Assert.Null(row.SavingsPerMonth);
        var teamA = report.Namespaces.Single(n => n.Namespace == "team-a");
        Assert.Equal(1, teamA.ServicesWithoutCost);
        Assert.Equal(1820.80m, teamA.CostPerMonth);
        Assert.Equal(4777.30m, report.Total.CostPerMonth);
        var table = ReportTable.From(report);
        var cells = table.Rows.Single(r => r.Cells[1] == "unplanned").Cells;
        Assert.Equal("no plan", cells[2]);
        Assert.Equal("n/a (no plan)", cells[6]);
        Assert.Contains("excludes 1 service without cost", table.Rows.Single(r => r.Kind == ReportRowKind.NamespaceTotal && r.Cells[0] == "team-a").Cells[15], StringComparison.Ordinal);
    }

    [Fact]
    public void Should_SayWhy_When_ThePlanIsInfeasible()
    {
        var service = Unplanned();
        service.Status!.Plan = new PlanStatus { Explanation = "No feasible plan: p95 61 ms > SLO 50 ms." };

        var row = new ReportBuilder().Build(Fixtures.Request([service]), Fixtures.Traffic()).Services.Single();

        Assert.Equal("no plan: No feasible plan: p95 61 ms > SLO 50 ms.", row.Gaps.Single(g => g.Kind == GapKind.NoPlan).Message);
    }

    [Fact]
    public void Should_MarkPriceMissing_When_ThePlansAcceleratorIsNotInTheCatalog()
    {
        var services = Fixtures.Services();
        services.Add(Fixtures.Service("team-b", "legacy", "green", 50, 100, Fixtures.Plan("gpu-gone", Precision.Fp32, 1, 80), 1, null));

        var report = new ReportBuilder().Build(Fixtures.Request(services), Fixtures.Traffic());

        var row = report.Services.Single(s => s.Name == "legacy");
        Assert.Equal("price missing: accelerator 'gpu-gone' is not in the catalog", row.Gaps.Single(g => g.Kind == GapKind.PriceMissing).Message);
        Assert.Null(row.CostPerHour);
        Assert.Null(row.CostPerMonth);
        // Power is still known from the plan: 80 W -> 58.4 kWh/month, x 100 g/kWh = 5.84 kg.
        Assert.Equal(58.40m, row.KwhPerMonth);
        Assert.Equal(5.84m, row.KgCo2ePerMonth);
        Assert.Equal(2956.50m, report.Namespaces.Single(n => n.Namespace == "team-b").CostPerMonth);
        Assert.Equal(1, report.Total.ServicesWithoutCost);
        Assert.Equal("n/a (price missing)", ReportTable.From(report).Rows.Single(r => r.Cells[1] == "legacy").Cells[6]);
    }

    [Fact]
    public void Should_MarkPriceMissing_When_TheProfileHasNoPrice()
    {
        var catalog = Fixtures.Catalog();
        catalog.Single(a => a.Metadata.Name == "gpu-big").Spec.PricePerHour = 0;

        var report = new ReportBuilder().Build(Fixtures.Request() with { Catalog = catalog }, Fixtures.Traffic());

        var row = report.Services.Single(s => s.Name == "detector");
        Assert.Equal("price missing: AcceleratorProfile 'gpu-big' has no pricePerHour", row.Gaps.Single(g => g.Kind == GapKind.PriceMissing).Message);
        Assert.Null(row.CostPerMonth);
        // The baseline (gpu-big) cannot be priced either: its gap is marked instead of a made-up saving.
        Assert.True(row.Has(GapKind.BaselineUnavailable));
        Assert.Null(row.SavingsPerMonth);
    }

    [Fact]
    public void Should_NeverWriteNaNOrInfinity_When_TrafficIsZeroEverywhere()
    {
        var zero = new TrafficSnapshot
        {
            Available = true,
            Services = Fixtures.Services().ToDictionary(s => new ServiceKey(s.Metadata.NamespaceProperty, s.Metadata.Name), _ => new ServiceTraffic(0, 0)),
        };

        var report = new ReportBuilder().Build(Fixtures.Request(), zero);

        Assert.All(report.Services, s => Assert.Null(s.CostPerMillion));
        Assert.Null(report.Total.CostPerMillion);
        Assert.Equal(0L, report.Total.Inferences);
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var text = ReportRenderer.Render(report, format);
            Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
            Assert.DoesNotContain("∞", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_MarkNoTrafficData_When_PrometheusHasNoSeriesForTheService()
    {
        var traffic = Fixtures.Traffic() with { Services = new Dictionary<ServiceKey, ServiceTraffic>() };

        var row = new ReportBuilder().Build(Fixtures.Request(), traffic).Services[0];

        Assert.Equal(TrafficState.NoData, row.Traffic);
        Assert.True(row.Has(GapKind.NoTrafficData));
        Assert.Null(row.CostPerMillion);
        Assert.Equal("n/a", ReportText.Observed(row));
    }

    [Fact]
    public void Should_UseTheDefaultPolicy_And_Say_When_TheReferencedPolicyIsMissing()
    {
        var request = Fixtures.Request() with { Policies = [], DefaultPolicy = new InferencePolicySpec { ElectricityPricePerKwh = 0, BaselineAccelerator = "gpu-big" } };

        var row = new ReportBuilder().Build(request, Fixtures.Traffic()).Services[0];

        Assert.Equal("cheap (missing)", row.Policy);
        Assert.Equal("InferencePolicy 'cheap' not found in team-a: default policy used", row.Gaps.Single(g => g.Kind == GapKind.PolicyMissing).Message);
        // No electricity price in the default: 2 x $1.00 = $2.00/h.
        Assert.Equal(2.0000m, row.CostPerHour);
    }

    [Fact]
    public void Should_TakeSavingsFromStatusPlan_When_ThereIsNoModelProfile()
    {
        var service = Fixtures.Service("team-a", "opaque", "cheap", 100, 100, Fixtures.Plan("gpu-small", Precision.Fp16, 1, 60), 1, profile: null);
        service.Status!.Plan!.CostPerHour = 1.006;
        service.Status.Plan.SavingsPerMonth = 2195.84;
        service.Status.Plan.BaselineAccelerator = "gpu-big";

        var row = new ReportBuilder().Build(Fixtures.Request([service]), Fixtures.Traffic()).Services.Single();

        Assert.True(row.Has(GapKind.NoModelProfile));
        Assert.Empty(row.Opportunities);
        // baseline $/month = 1.006 x 730 + 2195.84 = 734.38 + 2195.84 = 2930.22; cost = 1 x 1.00 + 0.06 x 0.10 = 1.006 -> 734.38
        Assert.Equal(2930.22m, row.BaselineCostPerMonth);
        Assert.Equal(734.38m, row.CostPerMonth);
        Assert.Equal(2195.84m, row.SavingsPerMonth);
    }

    [Fact]
    public void Should_RenderEveryFormat_When_EveryGapHappensAtOnce()
    {
        var services = Fixtures.Services();
        services.Add(Unplanned());
        services.Add(Fixtures.Service("team-c", "legacy", null, 50, 100, Fixtures.Plan("gpu-gone", Precision.Fp32, 1, 80), null, null));

        var report = new ReportBuilder().Build(Fixtures.Request(services), TrafficSnapshot.Unavailable("no Prometheus URL given"));

        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var text = ReportRenderer.Render(report, format);
            Assert.Contains("legacy", text, StringComparison.Ordinal);
            Assert.Contains("unplanned", text, StringComparison.Ordinal);
        }

        Assert.Equal(2, report.Total.ServicesWithoutCost);
        Assert.Equal(4780.04m, report.Total.CostPerMonth);
    }
}
