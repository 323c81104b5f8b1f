using static InferenceOperator.Planning.Tests.Scenarios;

namespace InferenceOperator.Planning.Tests;

/// <summary>Bad input gives an infeasible plan with a field-named reason: never an exception, never NaN or infinity.</summary>
public sealed class BadInputTests
{
    private sealed record Case(ModelProfile Model, Slo Slo, Policy Policy, IReadOnlyList<AcceleratorProfile> Catalog, Overrides? Overrides = null);

    private static Case Valid() => new(RoundModel(), Slo(), Policy(), [RoundGpu()]);

    private static readonly Dictionary<string, Func<Case, Case>> Mutations = new()
    {
        ["empty catalog"] = c => c with { Catalog = [] },
        ["null catalog"] = c => c with { Catalog = null! },
        ["zero bandwidth"] = c => c with { Catalog = [RoundGpu() with { MemoryBandwidthGBps = 0 }] },
        ["infinite bandwidth"] = c => c with { Catalog = [RoundGpu() with { MemoryBandwidthGBps = double.PositiveInfinity }] },
        ["zero price"] = c => c with { Catalog = [RoundGpu() with { PricePerHour = 0 }] },
        ["negative idle power"] = c => c with { Catalog = [RoundGpu() with { IdlePowerWatts = -1 }] },
        ["efficiency above one"] = c => c with { Catalog = [RoundGpu() with { BandwidthEfficiency = 1.5 }] },
        ["zero efficiency on a native path"] = c => c with { Catalog = [RoundGpu() with { ComputeEfficiency = new(0.5, 0.5, 0, 0.5) }] },
        ["cpu without vcpus"] = c => c with { Catalog = [RoundCpu() with { VCpus = 0 }] },
        ["no precision allowed"] = c => c with { Policy = c.Policy with { AllowedPrecisions = [] } },
        ["no accelerator allowed"] = c => c with { Policy = c.Policy with { AllowedAccelerators = ["nope"] } },
        ["slo of 0 ms"] = c => c with { Slo = c.Slo with { LatencyP95Ms = 0 } },
        ["slo NaN ms"] = c => c with { Slo = c.Slo with { LatencyP95Ms = double.NaN } },
        ["throughput 0"] = c => c with { Slo = c.Slo with { ThroughputRps = 0 } },
        ["throughput 1e-308"] = c => c with { Slo = c.Slo with { ThroughputRps = 1e-308 } },
        ["negative min replicas"] = c => c with { Slo = c.Slo with { MinReplicas = -1 } },
        ["NaN flops"] = c => c with { Model = c.Model with { FlopsPerInference = double.NaN } },
        ["zero parameters"] = c => c with { Model = c.Model with { Parameters = 0 } },
        ["cosine above one"] = c => c with { Model = RoundModel(Quality(Precision.Int8, 1.5)) },
        ["zero measured cpu rate"] = c => c with { Model = RoundModel(new PrecisionMeasurement { Precision = Precision.Fp32, Cpu = new CpuThroughputMeasurement { InferencesPerSecondBatch1 = 0 } }) },
        ["negative headroom"] = c => c with { Policy = c.Policy with { HeadroomPercent = -5 } },
        ["zero cost budget"] = c => c with { Policy = c.Policy with { Budgets = new Budgets { MaxCostPerHour = 0 } } },
        ["balanced with zero weights"] = c => c with { Policy = c.Policy with { Objective = Objective.Balanced, Weights = new ObjectiveWeights { Cost = 0, Energy = 0, Carbon = 0, Latency = 0 } } },
        ["override batch 0"] = c => c with { Overrides = new Overrides { MaxBatchSize = 0 } },
        ["override unknown accelerator"] = c => c with { Overrides = new Overrides { Accelerator = "tpu-v9" } },
        ["override negative queue delay"] = c => c with { Overrides = new Overrides { MaxQueueDelayMs = -1 } },
    };

    [Theory]
    [InlineData("empty catalog", "catalog")]
    [InlineData("null catalog", "catalog")]
    [InlineData("zero bandwidth", "catalog[gpu-a].memoryBandwidthGBps")]
    [InlineData("infinite bandwidth", "catalog[gpu-a].memoryBandwidthGBps")]
    [InlineData("zero price", "catalog[gpu-a].pricePerHour")]
    [InlineData("negative idle power", "catalog[gpu-a].idlePowerWatts")]
    [InlineData("efficiency above one", "catalog[gpu-a].bandwidthEfficiency")]
    [InlineData("zero efficiency on a native path", "catalog[gpu-a].computeEfficiency.int8")]
    [InlineData("cpu without vcpus", "catalog[cpu-a].vCpus")]
    [InlineData("no precision allowed", "policy.allowedPrecisions")]
    [InlineData("no accelerator allowed", "policy.allowedAccelerators")]
    [InlineData("slo of 0 ms", "slo.latencyP95Ms")]
    [InlineData("slo NaN ms", "slo.latencyP95Ms")]
    [InlineData("throughput 0", "slo.throughputRps")]
    [InlineData("throughput 1e-308", "slo.throughputRps")]
    [InlineData("negative min replicas", "slo.minReplicas")]
    [InlineData("NaN flops", "model.flopsPerInference")]
    [InlineData("zero parameters", "model.parameters")]
    [InlineData("cosine above one", "model.measurements[int8].quality.cosineMean")]
    [InlineData("zero measured cpu rate", "model.measurements[fp32].cpu.inferencesPerSecondBatch1")]
    [InlineData("negative headroom", "policy.headroomPercent")]
    [InlineData("zero cost budget", "policy.budgets.maxCostPerHour")]
    [InlineData("balanced with zero weights", "policy.weights")]
    [InlineData("override batch 0", "overrides.maxBatchSize")]
    [InlineData("override unknown accelerator", "overrides.accelerator")]
    [InlineData("override negative queue delay", "overrides.maxQueueDelayMs")]
    public void Should_ExplainBadInput_With_FieldName_And_NoExceptionOrNaN(string mutation, string field)
    {
        var c = Mutations[mutation](Valid());
        Plan? plan = null;

        var exception = Record.Exception(() => plan = new Planner().Plan(c.Model, c.Slo, c.Policy, c.Catalog, c.Overrides));

        Assert.Null(exception);
        Assert.NotNull(plan);
        Assert.False(plan.IsFeasible);
        Assert.NotEqual(ConstraintKind.None, plan.BindingConstraint);
        var explanation = plan.Explain();
        Assert.Contains(field, explanation, StringComparison.Ordinal);
        Assert.Contains(field, plan.BindingReason, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", explanation.Replace("(got NaN)", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", explanation.Replace("(got ∞)", "", StringComparison.Ordinal).Replace("(got Infinity)", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(Figures(plan), f => Assert.True(double.IsFinite(f)));
    }

    [Theory]
    [InlineData("nope", null, ConstraintKind.PolicyFilter)]
    [InlineData("gpu-b", "gpu-a", ConstraintKind.PolicyFilter)]   // the pinned accelerator itself is filtered out by policy
    [InlineData(null, "gpu-a", ConstraintKind.Catalog)]           // the pinned accelerator is invalid (zero price)
    public void Should_NameTheBindingGate_When_NoAcceleratorIsLeft(string? allowed, string? pinned, ConstraintKind expected)
    {
        IReadOnlyList<AcceleratorProfile> catalog = [RoundGpu("gpu-a") with { PricePerHour = pinned is not null && allowed is null ? 0 : 1 }, RoundGpu("gpu-b")];
        var policy = Policy() with { AllowedAccelerators = allowed is null ? null : [allowed] };

        var plan = Plan(RoundModel(), Slo(), policy, catalog, new Overrides { Accelerator = pinned });

        Assert.False(plan.IsFeasible);
        Assert.Equal(expected, plan.BindingConstraint);
        Assert.StartsWith("no accelerator left: ", plan.BindingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_IgnoreEfficiency_Where_ThereIsNoNativePath()
    {
        // RoundGpu has no int4 path, so its int4 efficiency is never used and may be left at zero.
        var plan = Plan(RoundModel(), Slo(), Policy(), [RoundGpu() with { ComputeEfficiency = new(1, 1, 1, 0) }]);

        Assert.True(plan.IsFeasible, plan.Explain());
    }

    [Fact]
    public void Should_SurviveNullMeasurementsList()
    {
        var plan = Plan(RoundModel() with { Measurements = null! }, Slo(), Policy(), [RoundGpu()]);

        Assert.True(plan.IsFeasible);
    }

    [Fact]
    public void Should_SkipOnlyTheBadCatalogEntry_When_OthersAreUsable()
    {
        IReadOnlyList<AcceleratorProfile> catalog = [RoundGpu("broken") with { PricePerHour = 0 }, RoundGpu("good")];

        var plan = Plan(RoundModel(), Slo(), Policy(), catalog);

        Assert.True(plan.IsFeasible);
        Assert.Equal("good", plan.Chosen!.Accelerator);
        Assert.Contains(plan.Rejections, r => r.Subject == "broken" && r.Constraint == ConstraintKind.Catalog && r.Reason.StartsWith("catalog[broken].pricePerHour", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_KeepFirstEntry_When_CatalogNamesRepeat()
    {
        IReadOnlyList<AcceleratorProfile> catalog = [RoundGpu("gpu-a", price: 1), RoundGpu("gpu-a", price: 0.5)];

        var plan = Plan(RoundModel(), Slo(), Policy(), catalog);

        Assert.Equal(1, plan.Chosen!.CostPerHour);
        Assert.Contains(plan.Rejections, r => r.Reason.Contains("duplicate name", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_RejectCandidate_Not_Overflow_When_FiguresAreExtreme()
    {
        // Valid but extreme: a tiny bandwidth makes the batch time astronomically large.
        var plan = Plan(RoundModel(), Slo(p95Ms: 1e9, rps: 1e9), Policy(), [RoundGpu() with { MemoryBandwidthGBps = 1e-300 }]);

        Assert.False(plan.IsFeasible);
        Assert.All(Figures(plan), f => Assert.True(double.IsFinite(f)));
        Assert.DoesNotContain("NaN", plan.Explain(), StringComparison.Ordinal);
    }
}
