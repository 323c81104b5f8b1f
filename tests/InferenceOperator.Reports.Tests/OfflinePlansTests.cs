using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Reports.Traffic;
using Xunit;

namespace InferenceOperator.Reports.Tests;

public sealed class OfflinePlansTests
{
    [Fact]
    public void Should_PlanServicesWithoutStatus_LikeTheOperator_And_LeaveTheInputsAlone()
    {
        var manifests = Fixtures.Services();
        foreach (var service in manifests)
        {
            service.Status = null;
        }

        var request = OfflinePlans.PlanMissing(Fixtures.Request(manifests));
        var report = new ReportBuilder().Build(request, TrafficSnapshot.Unavailable("offline manifests"));

        Assert.All(manifests, s => Assert.Null(s.Status));
        Assert.All(report.Services, s => Assert.False(s.Has(GapKind.NoPlan)));
        // The embedder (100 rps, fp32 only, cost objective): on the cpu-4, fp32 at 0.2 TFLOPS x 0.5 is 10 ms per inference
        // + 0.1 ms overhead, about 99 rps per replica, so 120 rps with headroom needs 2 replicas x $0.16 = $0.32/h,
        // cheaper than one gpu-small at $1.00/h.
        var embedder = report.Services.Single(s => s.Name == "embedder");
        var planned = request.Services.Single(s => s.Metadata.Name == "embedder").Status!.Plan!;
        Assert.Equal(planned.Accelerator, embedder.Accelerator);
        Assert.Equal(planned.Replicas, embedder.Replicas);
        Assert.Equal("cpu-4", embedder.Accelerator);
        Assert.Equal(2, embedder.Replicas);
        // Priced from the catalog: 2 x 0.16 + plan watts / 1000 x 0.10.
        var watts = (decimal)planned.PowerWatts!.Value;
        Assert.Equal(ReportRounding.Cents(((2 * 0.16m) + (watts / 1000m * 0.10m)) * 730m), embedder.CostPerMonth);
    }

    [Fact]
    public void Should_PriceFromTheShippedDefaultCatalog()
    {
        // nvidia-l4 lists at $0.70/h; the planner's default policy has no electricity price: 1 x 0.70 x 730 = 511.00.
        var service = Fixtures.Service("ml", "ranker", null, 50, 100, Fixtures.Plan("nvidia-l4", Precision.Fp16, 1, 40), 1, null);
        var request = new ReportRequest { Services = [service], Catalog = CatalogMapping.DefaultCatalog(), End = Fixtures.End };

        var row = new ReportBuilder().Build(request, TrafficSnapshot.Unavailable("no Prometheus")).Services.Single();

        Assert.Equal(0.7000m, row.CostPerHour);
        Assert.Equal(511.00m, row.CostPerMonth);
        Assert.Equal("(default)", row.Policy);
    }

    [Fact]
    public void Should_KeepAServiceUnplanned_When_ItHasNoProfile()
    {
        var service = Fixtures.Service("team-a", "opaque", "cheap", 100, 100, plan: null, running: null, profile: null);

        var request = OfflinePlans.PlanMissing(Fixtures.Request([service]));

        Assert.Same(service, request.Services.Single());
        Assert.True(new ReportBuilder().Build(request, Fixtures.Traffic()).Services.Single().Has(GapKind.NoPlan));
    }
}
