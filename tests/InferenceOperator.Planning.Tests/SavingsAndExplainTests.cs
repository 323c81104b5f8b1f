using static InferenceOperator.Planning.Tests.Scenarios;

namespace InferenceOperator.Planning.Tests;

public sealed class SavingsAndExplainTests
{
    private static readonly IReadOnlyList<AcceleratorProfile> Catalog = [RoundGpu("gpu-a", price: 1), RoundGpu("gpu-expensive", price: 7)];

    [Fact]
    public void Should_ReportSavings_Against_BaselineAtFp32Batch1()
    {
        var policy = Policy() with { BaselineAccelerator = "gpu-expensive" };

        var plan = Plan(RoundModel(), Slo(p95Ms: 100, rps: 100), policy, Catalog);

        Assert.NotNull(plan.Baseline);
        Assert.Equal(("gpu-expensive", Precision.Fp32, 1, 0.0), (plan.Baseline.Accelerator, plan.Baseline.Precision, plan.Baseline.MaxBatchSize, plan.Baseline.MaxQueueDelayMs));
        Assert.Equal(7, plan.Baseline.CostPerHour, 12);
        Assert.Equal(1, plan.Chosen!.CostPerHour, 12);
        Assert.Equal(6.0 / 7.0 * 100.0, plan.SavingsPercent, 9);
        Assert.Equal(6.0 * 730, plan.SavingsPerMonth, 9);
        Assert.Contains("saves 85.7%, $4,380 per month", plan.Explain(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_SizeBaselineReplicas_For_TheSameSlo()
    {
        // Baseline batch 1 serves 200/s per replica: 500 rps needs 3 replicas.
        var policy = Policy() with { BaselineAccelerator = "gpu-expensive" };

        var plan = Plan(RoundModel(), Slo(p95Ms: 100, rps: 500), policy, Catalog);

        Assert.Equal(3, plan.Baseline!.Replicas);
        Assert.Equal(21, plan.Baseline.CostPerHour, 12);
    }

    [Fact]
    public void Should_SayWhy_When_BaselineIsMissing()
    {
        var policy = Policy() with { BaselineAccelerator = "nvidia-h100" };

        var plan = Plan(RoundModel(), Slo(), policy, Catalog);

        Assert.True(plan.IsFeasible);
        Assert.Null(plan.Baseline);
        Assert.Equal(0, plan.SavingsPercent);
        Assert.Equal(0, plan.SavingsPerMonth);
        Assert.Contains("policy.baselineAccelerator: 'nvidia-h100' is not in the catalog", plan.BaselineNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_HaveNoBaseline_When_ItDoesNotFitInMemory_EvenIfItAlsoMissesTheSlo()
    {
        // 400 MB at fp32 does not fit a 0.2 GiB baseline device, whose 5 ms batch also misses the 2 ms SLO by more.
        IReadOnlyList<AcceleratorProfile> catalog = [RoundGpu("gpu-a"), RoundGpu("gpu-small", memoryGiB: 0.2)];
        var policy = Policy() with { BaselineAccelerator = "gpu-small" };

        var plan = Plan(RoundModel(), Slo(p95Ms: 2, rps: 10), policy, catalog);

        Assert.Null(plan.Baseline);
        Assert.Contains("baseline gpu-small/fp32 batch 1 is not possible: needs 0.373 GiB > 0.2 GiB memory", plan.BaselineNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_NoteBaselineMissingTheSlo_And_StillCompareCost()
    {
        // The baseline's 5 ms batch misses a 4 ms SLO; the chosen int8 plan (2 ms) meets it.
        var policy = Policy() with { BaselineAccelerator = "gpu-expensive" };

        var plan = Plan(AllPrecisionsMeasured(RoundModel()), Slo(p95Ms: 4, rps: 10), policy, Catalog);

        Assert.True(plan.IsFeasible);
        Assert.NotNull(plan.Baseline);
        Assert.Contains("misses the SLO: p95 5 ms > 4 ms", plan.BaselineNote, StringComparison.Ordinal);
        Assert.True(plan.SavingsPercent > 0);
    }

    [Fact]
    public void Should_Explain_ChosenCandidate_In_OneParagraph()
    {
        var plan = Plan(RoundModel(), Slo(p95Ms: 100, rps: 100), Policy() with { BaselineAccelerator = "gpu-expensive" }, Catalog);

        var text = plan.Explain();

        Assert.StartsWith("Objective cost: chose gpu-a/fp32, batch up to 8 with max queue delay 70 ms, 1 replica for 100 rps peak: p95 75 ms (SLO 100 ms)", text, StringComparison.Ordinal);
        Assert.Contains("Runner-up gpu-expensive/fp32: $7.00/h vs $1.00/h (+600%)", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void Should_Explain_BindingConstraint_And_ClosestCandidate_When_Infeasible()
    {
        var plan = Plan(RoundModel(), Slo(p95Ms: 4, rps: 10), Policy(), Catalog);

        var text = plan.Explain();

        Assert.StartsWith("No feasible plan (objective cost): binding constraint Latency: closest candidate gpu-a/fp32 batch 1: p95 5 ms > SLO 4 ms.", text, StringComparison.Ordinal);
        Assert.Contains("Closest: gpu-a/fp32 batch 1, 1 replica", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ListAtMostFiveAlternatives_OnePerFamily()
    {
        var model = AllPrecisionsMeasured(ExampleModels.MiniLm());

        var plan = Plan(model, Slo(p95Ms: 100, rps: 200), new Policy(), DefaultCatalog.Create());

        Assert.Equal(5, plan.Alternatives.Count);
        var families = plan.Alternatives.Select(a => (a.Candidate.Accelerator, a.Candidate.Precision)).Append((plan.Chosen!.Accelerator, plan.Chosen.Precision));
        Assert.Equal(6, families.Distinct().Count());
        Assert.All(plan.Alternatives, a => Assert.True(a.Candidate.CostPerHour >= plan.Chosen.CostPerHour));
    }
}
