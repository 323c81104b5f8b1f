using InferenceOperator.Reports.Traffic;
using Xunit;

namespace InferenceOperator.Reports.Tests;

/// <summary>Every figure of the fixture (see <see cref="Fixtures"/>) against arithmetic done by hand in the comments.</summary>
public sealed class ArithmeticTests
{
    private readonly FinOpsReport report = Fixtures.Report();

    private ServiceReport Row(string name) => report.Services.Single(s => s.Name == name);

    [Fact]
    public void Should_PriceClassifier_From_CatalogReplicasAndObservedBusyRatio()
    {
        var row = Row("classifier");
        // power = 2 replicas x (20 W idle + (100 - 20) W x busy 0.5) = 2 x 60 = 120 W
        Assert.Equal(120.0m, row.PowerWatts);
        // $/h = 2 x $1.00 + 0.120 kW x $0.10/kWh = 2.012
        Assert.Equal(2.0120m, row.CostPerHour);
        // $/month = 2.012 x 730 = 1468.76
        Assert.Equal(1468.76m, row.CostPerMonth);
        // window cost = 2.012 x 168 h = 338.016 -> 338.02
        Assert.Equal(338.02m, row.WindowCost);
        Assert.Equal(30_240_000L, row.Inferences);
        // $/1M = 338.02 / 30,240,000 x 1e6 = 338.02 / 30.24 = 11.17791... -> 11.1779
        Assert.Equal(11.1779m, row.CostPerMillion);
        Assert.Equal(0.500m, row.Utilisation);
        // kWh/month = 120 W x 730 h / 1000 = 87.6; kg CO2e = 87.6 x 400 g/kWh / 1000 = 35.04
        Assert.Equal(87.60m, row.KwhPerMonth);
        Assert.Equal(35.04m, row.KgCo2ePerMonth);
        // baseline gpu-big fp32 batch 1: 1 GFLOP / (10 TFLOPS x 0.5) = 0.2 ms, weights 4 MB / 1000 GB/s = 0.004 ms,
        // + 0.8 ms overhead = 1.0 ms -> 1000 rps; 1500 rps x 1.2 headroom = 1800 -> 2 replicas at 0.75 utilisation;
        // watts = 2 x (100 + 300 x 0.75) = 650; $/h = 2 x 4.00 + 0.65 x 0.10 = 8.065; x 730 = 5887.45
        Assert.Equal("gpu-big", row.BaselineAccelerator);
        Assert.Equal(5887.45m, row.BaselineCostPerMonth);
        // savings = 5887.45 - 1468.76 = 4418.69; 4418.69 / 5887.45 = 75.05% -> 75.1
        Assert.Equal(4418.69m, row.SavingsPerMonth);
        Assert.Equal(75.1m, row.SavingsPercent);
        Assert.Equal(TrafficState.Observed, row.Traffic);
        Assert.Empty(row.Gaps);
    }

    [Fact]
    public void Should_MarkCostPerMillionNotApplicable_When_TrafficIsZero()
    {
        var row = Row("embedder");
        // power = 3 x (7.5 W idle + 22.5 W x busy 0) = 22.5 W
        Assert.Equal(22.5m, row.PowerWatts);
        // $/h = 3 x 0.16 + 0.0225 kW x 0.10 = 0.48225 -> 0.4823 (half away from zero)
        Assert.Equal(0.4823m, row.CostPerHour);
        // $/month = 0.48225 x 730 = 352.0425 -> 352.04 (from the unrounded $/h, not 0.4823 x 730 = 352.08)
        Assert.Equal(352.04m, row.CostPerMonth);
        // window = 0.48225 x 168 = 81.018 -> 81.02
        Assert.Equal(81.02m, row.WindowCost);
        Assert.Equal(0L, row.Inferences);
        Assert.Null(row.CostPerMillion);
        Assert.Equal(TrafficState.ZeroTraffic, row.Traffic);
        Assert.True(row.Has(GapKind.ZeroTraffic));
        // kWh = 22.5 x 0.73 = 16.425 -> 16.43; kg = 16.425 x 0.4 = 6.57
        Assert.Equal(16.43m, row.KwhPerMonth);
        Assert.Equal(6.57m, row.KgCo2ePerMonth);
        // baseline gpu-big at 100 rps: 120 rps capacity -> 1 replica, utilisation 0.1, 100 + 300 x 0.1 = 130 W;
        // $/h = 4.00 + 0.13 x 0.10 = 4.013; x 730 = 2929.49; savings 2929.49 - 352.04 = 2577.45 = 87.98% -> 88.0
        Assert.Equal(2929.49m, row.BaselineCostPerMonth);
        Assert.Equal(2577.45m, row.SavingsPerMonth);
        Assert.Equal(88.0m, row.SavingsPercent);
    }

    [Fact]
    public void Should_UsePlannedPower_When_NoBusyRatioIsObserved()
    {
        var row = Row("detector");
        // no busy series: the plan's 250 W x 1 running / 1 planned replica
        Assert.Equal(250.0m, row.PowerWatts);
        Assert.Null(row.Utilisation);
        // $/h = 1 x 4.00 + 0.25 kW x 0.20 = 4.05; month 2956.50; window 4.05 x 168 = 680.40
        Assert.Equal(4.0500m, row.CostPerHour);
        Assert.Equal(2956.50m, row.CostPerMonth);
        Assert.Equal(680.40m, row.WindowCost);
        // $/1M = 680.40 / 1,000,000 x 1e6 = 680.40
        Assert.Equal(680.4000m, row.CostPerMillion);
        // kWh = 250 x 0.73 = 182.5; kg = 182.5 x 100 / 1000 = 18.25
        Assert.Equal(182.50m, row.KwhPerMonth);
        Assert.Equal(18.25m, row.KgCo2ePerMonth);
        // baseline at 800 rps: 960 capacity -> 1 replica at 0.8: 100 + 240 = 340 W; $/h = 4 + 0.34 x 0.20 = 4.068 -> 2969.64
        Assert.Equal(2969.64m, row.BaselineCostPerMonth);
        // 2969.64 - 2956.50 = 13.14 = 0.44% -> 0.4
        Assert.Equal(13.14m, row.SavingsPerMonth);
        Assert.Equal(0.4m, row.SavingsPercent);
    }

    [Fact]
    public void Should_SumRoundedServiceFigures_Into_NamespaceAndGrandTotals()
    {
        var a = report.Namespaces.Single(n => n.Namespace == "team-a");
        // 2.0120 + 0.4823; 1468.76 + 352.04; 338.02 + 81.02
        Assert.Equal(2.4943m, a.CostPerHour);
        Assert.Equal(1820.80m, a.CostPerMonth);
        Assert.Equal(419.04m, a.WindowCost);
        Assert.Equal(30_240_000L, a.Inferences);
        // only observed traffic counts: 338.02 / 30.24 = 11.1779 (the zero-traffic embedder is not divided by zero)
        Assert.Equal(11.1779m, a.CostPerMillion);
        // replica-weighted: (0.5 x 2 + 0 x 3) / 5 = 0.2
        Assert.Equal(0.200m, a.Utilisation);
        Assert.Equal(104.03m, a.KwhPerMonth);
        Assert.Equal(41.61m, a.KgCo2ePerMonth);
        // baseline 5887.45 + 2929.49 = 8816.94, savings 4418.69 + 2577.45 = 6996.14 = 79.35% -> 79.3
        Assert.Equal(8816.94m, a.BaselineCostPerMonth);
        Assert.Equal(6996.14m, a.SavingsPerMonth);
        Assert.Equal(79.3m, a.SavingsPercent);

        var t = report.Total;
        Assert.Equal(6.5443m, t.CostPerHour);
        Assert.Equal(4777.30m, t.CostPerMonth);
        Assert.Equal(1099.44m, t.WindowCost);
        Assert.Equal(31_240_000L, t.Inferences);
        // (338.02 + 680.40) / 31.24 = 32.59987 -> 32.5999
        Assert.Equal(32.5999m, t.CostPerMillion);
        Assert.Equal(392.5m, t.PowerWatts);
        Assert.Equal(286.53m, t.KwhPerMonth);
        Assert.Equal(59.86m, t.KgCo2ePerMonth);
        // 7009.28 / 11786.58 = 59.47% -> 59.5
        Assert.Equal(11786.58m, t.BaselineCostPerMonth);
        Assert.Equal(7009.28m, t.SavingsPerMonth);
        Assert.Equal(59.5m, t.SavingsPercent);
        Assert.Equal(6, t.Replicas);
    }

    [Fact]
    public void Should_Reconcile_ServicesToNamespacesToTotal_ToTheCent()
    {
        foreach (var ns in report.Namespaces)
        {
            var rows = report.Services.Where(s => s.Namespace == ns.Namespace).ToList();
            Assert.Equal(rows.Sum(r => r.CostPerMonth ?? 0), ns.CostPerMonth);
            Assert.Equal(rows.Sum(r => r.WindowCost ?? 0), ns.WindowCost);
            Assert.Equal(rows.Sum(r => r.SavingsPerMonth ?? 0), ns.SavingsPerMonth);
            Assert.Equal(rows.Sum(r => r.KwhPerMonth ?? 0), ns.KwhPerMonth);
            Assert.Equal(rows.Sum(r => r.KgCo2ePerMonth ?? 0), ns.KgCo2ePerMonth);
        }

        Assert.Equal(report.Namespaces.Sum(n => n.CostPerMonth), report.Total.CostPerMonth);
        Assert.Equal(report.Namespaces.Sum(n => n.CostPerHour), report.Total.CostPerHour);
        Assert.Equal(report.Namespaces.Sum(n => n.WindowCost), report.Total.WindowCost);
        Assert.Equal(report.Namespaces.Sum(n => n.SavingsPerMonth), report.Total.SavingsPerMonth);
        Assert.Equal(report.Namespaces.Sum(n => n.BaselineCostPerMonth), report.Total.BaselineCostPerMonth);
        Assert.Equal(report.Namespaces.Sum(n => n.KgCo2ePerMonth), report.Total.KgCo2ePerMonth);
    }

    [Fact]
    public void Should_RoundEachServiceFirst_Then_Sum_When_HalfCentsWouldDrift()
    {
        // A $0.0015/h device, no electricity: each service costs 0.0015 x 730 = 1.095 $/month -> 1.10 (half away from zero).
        // Rounding each service first gives 3 x 1.10 = 3.30; rounding the exact sum (3.285) would give 3.29 and the rows would
        // not add up. The rule is the former.
        var catalog = new List<Api.AcceleratorProfile> { Fixtures.Gpu("tiny", 16, 300, 10, 40, 80, 100, 20, 0.0015) };
        var services = new[] { "a", "b", "c" }
            .Select(n => Fixtures.Service("ns", n, null, 10, 100, new Api.PlanStatus { Accelerator = "tiny", Replicas = 1, PowerWatts = 50 }, 1, null))
            .ToList();
        var request = new ReportRequest
        {
            Services = services, Catalog = catalog, End = Fixtures.End,
            DefaultPolicy = new Api.InferencePolicySpec { ElectricityPricePerKwh = 0 },
        };

        var result = new ReportBuilder().Build(request, TrafficSnapshot.Unavailable("no Prometheus"));

        Assert.All(result.Services, s => Assert.Equal(1.10m, s.CostPerMonth));
        Assert.Equal(3.30m, result.Namespaces.Single().CostPerMonth);
        Assert.Equal(3.30m, result.Total.CostPerMonth);
        Assert.NotEqual(ReportRounding.Cents(3 * 0.0015m * 730m), result.Total.CostPerMonth);
    }

    [Fact]
    public void Should_OrderRows_ByNamespaceThenName()
    {
        Assert.Equal(["team-a/classifier", "team-a/embedder", "team-b/detector"], report.Services.Select(s => s.Namespace + "/" + s.Name));
        Assert.Equal(["team-a", "team-b"], report.Namespaces.Select(n => n.Namespace));
    }
}
