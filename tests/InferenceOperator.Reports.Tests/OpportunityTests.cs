using InferenceOperator.ApiMapping;
using Xunit;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Reports.Tests;

public sealed class OpportunityTests
{
    [Fact]
    public void Should_OfferInt8_WithItsQualityCost_When_PolicyExcludesAMeasuredCheaperPrecision()
    {
        var row = Fixtures.Report().Services.Single(s => s.Name == "classifier");

        // The cheap policy allows fp32/fp16 only; int8 measured cosine 0.995 passes the 0.99 gate, and at int8 the cpu-4
        // (0.8 TOPS x 0.5 -> 2.5 ms per inference, about 400 rps) serves 1500 rps on 5 replicas x $0.16 = $0.80/h + power,
        // against gpu-small at $1.00/h + power.
        var opportunity = Assert.Single(row.Opportunities, o => o.Change == "allow int8");
        Assert.Equal("cpu-4", opportunity.Accelerator);
        Assert.Equal(Api.Precision.Int8, opportunity.Precision);
        Assert.Equal(5, opportunity.Replicas);
        Assert.Equal("int8 passes the quality gate (cosine 0.995 >= 0.99)", opportunity.Quality);
        Assert.StartsWith("allow int8: int8 passes the quality gate (cosine 0.995 >= 0.99): -", opportunity.Summary, StringComparison.Ordinal);
        Assert.Contains("% $/month (cpu-4/int8 batch ", opportunity.Summary, StringComparison.Ordinal);

        // Like for like: both sides planned at the SLO's peak by the same planner; savings are the difference of rounded $/month.
        var planner = new Plan.Planner();
        var service = Fixtures.Services().Single(s => s.Metadata.Name == "classifier");
        var policy = Fixtures.Policies().Single(p => p.Metadata.Name == "cheap").Spec.ToPlanning();
        var catalog = Fixtures.Catalog().Select(a => a.ToPlanning()).ToList();
        var model = service.Spec.Model.Profile!.ToPlanning("classifier");
        var now = planner.Plan(model, service.Spec.Slo.ToPlanning(), policy, catalog).Chosen!;
        var alt = planner.Plan(model, service.Spec.Slo.ToPlanning(), policy with { AllowedPrecisions = null }, catalog).Chosen!;
        var nowMonth = ReportRounding.Cents((decimal)now.CostPerHour * 730m);
        var altMonth = ReportRounding.Cents((decimal)alt.CostPerHour * 730m);
        Assert.Equal(altMonth, opportunity.CostPerMonth);
        Assert.Equal(nowMonth - altMonth, opportunity.SavingsPerMonth);
        Assert.Equal(ReportRounding.Round((nowMonth - altMonth) / nowMonth * 100m, 1), opportunity.SavingsPercent);
        Assert.InRange(opportunity.SavingsPercent, 10m, 30m);
    }

    [Fact]
    public void Should_StateUnmeasuredQuality_When_OnlyAnUnmeasuredPrecisionSavesMore()
    {
        // embedder: only fp32 is measured; int8 on the cpu-4 would cut 3 replicas' work to a quarter but is unmeasured.
        var row = Fixtures.Report().Services.Single(s => s.Name == "embedder");

        var opportunity = Assert.Single(row.Opportunities);
        Assert.Equal("allow unmeasured int8", opportunity.Change);
        Assert.Equal("int8 quality unmeasured: measure it against fp32 before adopting", opportunity.Quality);
        Assert.True(opportunity.SavingsPerMonth > 0);
    }

    [Fact]
    public void Should_OfferNothing_When_TheCurrentPlanIsAlreadyTheCheapest()
    {
        // detector: fp16 is its only measured precision besides fp32 and gpu-small already wins on energy and cost alike.
        var row = Fixtures.Report().Services.Single(s => s.Name == "detector");

        Assert.DoesNotContain(row.Opportunities, o => o.Change.StartsWith("objective", StringComparison.Ordinal));
        Assert.All(row.Opportunities, o => Assert.True(o.SavingsPercent >= OpportunityFinder.MinSavingsPercent));
    }

    [Theory]
    [InlineData(Plan.QualitySource.Reference, null, "fp32 is the reference: no quality cost")]
    [InlineData(Plan.QualitySource.Measured, 0.9951, "int8 passes the quality gate (cosine 0.9951 >= 0.99)")]
    [InlineData(Plan.QualitySource.Unmeasured, null, "int8 quality unmeasured: measure it against fp32 before adopting")]
    public void Should_StateQualityCost_PerQualitySource(Plan.QualitySource source, double? cosine, string expected)
    {
        var candidate = new Plan.Candidate
        {
            Accelerator = "gpu", Kind = Plan.AcceleratorKind.Gpu, ExecutionProvider = "CUDAExecutionProvider",
            Precision = source == Plan.QualitySource.Reference ? Plan.Precision.Fp32 : Plan.Precision.Int8,
            ComputePrecision = Plan.Precision.Fp16, MaxBatchSize = 8, MaxQueueDelayMs = 1, Replicas = 1, BatchTimeMs = 1, PredictedP95Ms = 2,
            ThroughputPerReplicaRps = 100, Utilization = 0.5, MemoryRequiredGiB = 1, CostPerHour = 1, CostPerMillionInferences = 1,
            AverageWatts = 50, WattHoursPer1kInferences = 1, GramsCo2ePer1kInferences = 1, ThroughputSource = Plan.EstimateSource.Roofline,
            QualitySource = source, CosineMean = cosine,
        };

        Assert.Equal(expected, OpportunityFinder.Quality(candidate, new Plan.Policy()));
    }
}
