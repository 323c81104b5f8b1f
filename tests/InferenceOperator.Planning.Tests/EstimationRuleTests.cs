using static InferenceOperator.Planning.Tests.Scenarios;

namespace InferenceOperator.Planning.Tests;

/// <summary>The estimation rules, one table per rule, on round numbers that can be checked by hand.</summary>
public sealed class EstimationRuleTests
{
    private static Plan Pinned(ModelProfile model, AcceleratorProfile accelerator, Precision precision, int batch, Slo? slo = null, Policy? policy = null) =>
        Plan(
            AllPrecisionsMeasured(model),
            slo ?? Slo(p95Ms: 1000, rps: 1),
            policy ?? Policy(),
            [accelerator],
            new Overrides { Accelerator = accelerator.Name, Precision = precision, MaxBatchSize = batch, MaxQueueDelayMs = 0 });

    // RoundGpu: 1e13 FLOP/s fp32, 2e13 fp16, 4e13 int8, no int4 path; 1e11 B/s; 1 ms overhead. RoundModel: 1e9 FLOP, 4e8 B at fp32.
    [Theory]
    [InlineData(Precision.Fp32, 1, 5.0)]    // max(0.1 compute, 4 memory) + 1
    [InlineData(Precision.Fp32, 8, 5.0)]    // max(0.8, 4) + 1: weights read once per batch
    [InlineData(Precision.Fp32, 64, 7.4)]   // max(6.4, 4) + 1: compute-bound
    [InlineData(Precision.Fp16, 1, 3.0)]    // max(0.05, 2) + 1
    [InlineData(Precision.Int8, 1, 2.0)]    // max(0.025, 1) + 1
    [InlineData(Precision.Int8, 128, 4.2)]  // max(3.2, 1) + 1
    [InlineData(Precision.Int4, 64, 4.2)]   // no int4 path: computes at fp16, max(3.2, 0.5) + 1
    public void Should_EstimateBatchTime_As_MaxOfComputeAndMemoryPlusOverhead(Precision precision, int batch, double expectedMs)
    {
        var plan = Pinned(RoundModel(), RoundGpu(), precision, batch);

        Assert.True(plan.IsFeasible, plan.Explain());
        Assert.Equal(expectedMs, plan.Chosen!.BatchTimeMs, 9);
        Assert.Equal(batch / (expectedMs / 1000.0), plan.Chosen.ThroughputPerReplicaRps, 6);
        Assert.Equal(EstimateSource.Roofline, plan.Chosen.ThroughputSource);
    }

    [Fact]
    public void Should_ComputeAtWiderPrecision_When_DeviceHasNoNativePath()
    {
        // RoundCpu: 1e11 FLOP/s fp32, no fp16 path, 4e11 int8; 2e10 B/s; no overhead. Model: 1e9 FLOP, 1e7 parameters.
        var model = RoundModel() with { Parameters = 1e7 };
        var fp32 = Pinned(model, RoundCpu(), Precision.Fp32, 1).Chosen!;
        var fp16 = Pinned(model, RoundCpu(), Precision.Fp16, 1).Chosen!;
        var int8 = Pinned(model, RoundCpu(), Precision.Int8, 1).Chosen!;

        Assert.Equal(10.0, fp32.BatchTimeMs, 9);
        Assert.Equal(fp32.BatchTimeMs, fp16.BatchTimeMs, 9);          // no compute speed-up for fp16 on this CPU
        Assert.Equal(Precision.Fp32, fp16.ComputePrecision);
        Assert.Equal(fp32.MemoryRequiredGiB / 2, fp16.MemoryRequiredGiB, 12); // only the memory saving
        Assert.Equal(2.5, int8.BatchTimeMs, 9);                         // native int8 path does speed up
        Assert.Equal(Precision.Int8, int8.ComputePrecision);
    }

    // Device 0.5 GiB = 536.9 MB; model 400 MB at fp32 (100 MB at int8) plus 10 MB activations per item.
    [Theory]
    [InlineData(Precision.Fp32, 1, 0, true)]     // 410 MB
    [InlineData(Precision.Fp32, 16, 0, false)]   // 560 MB
    [InlineData(Precision.Fp32, 1, 50, false)]   // 410 x 1.5 = 615 MB
    [InlineData(Precision.Int8, 16, 50, true)]   // 260 x 1.5 = 390 MB
    public void Should_RejectForMemory_When_WeightsActivationsAndHeadroomExceedDevice(Precision precision, int batch, double headroom, bool fits)
    {
        var model = RoundModel() with { ActivationBytesPerItem = 10e6 };
        var plan = Pinned(model, RoundGpu(memoryGiB: 0.5), precision, batch, policy: Policy(headroomPercent: headroom));

        Assert.Equal(fits, plan.IsFeasible);
        if (!fits)
        {
            Assert.Equal(ConstraintKind.Memory, plan.BindingConstraint);
            Assert.Contains("GiB > 0.5 GiB memory", plan.BindingReason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0.977, null, 0.99, null, false, "int4: cosine 0.977 < 0.99")]
    [InlineData(0.995, null, 0.99, null, true, null)]
    [InlineData(0.99, null, 0.99, null, true, null)]
    [InlineData(0.999, 0.97, 0.99, 0.01, false, "int4: top-1 disagreement 0.03 > 0.01")]
    [InlineData(0.999, 0.995, 0.99, 0.01, true, null)]
    [InlineData(0.5, null, null, null, true, null)]
    public void Should_AdmitPrecision_Only_When_MeasuredQualityPassesPolicy(
        double cosine, double? top1, double? minCosine, double? maxDisagreement, bool admitted, string? reason)
    {
        var model = RoundModel(Quality(Precision.Int4, cosine, top1));
        var policy = Policy() with
        {
            AllowedPrecisions = [Precision.Int4],
            Quality = new QualityThresholds { MinCosineSimilarity = minCosine, MaxTop1Disagreement = maxDisagreement },
        };

        var plan = Plan(model, Slo(), policy, [RoundGpu()]);

        Assert.Equal(admitted, plan.IsFeasible);
        if (admitted)
        {
            Assert.Equal(QualitySource.Measured, plan.Chosen!.QualitySource);
            Assert.Equal(cosine, plan.Chosen.CosineMean);
        }
        else
        {
            Assert.Equal(ConstraintKind.Quality, plan.BindingConstraint);
            Assert.Contains(plan.Rejections, r => r.ToString().StartsWith(reason!, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Should_ExcludeUnmeasuredPrecisions_Unless_PolicyAllowsThem(bool allowUnmeasured, bool feasible)
    {
        var policy = Policy() with { AllowedPrecisions = [Precision.Fp16], AllowUnmeasuredPrecisions = allowUnmeasured };

        var plan = Plan(RoundModel(), Slo(), policy, [RoundGpu()]);

        Assert.Equal(feasible, plan.IsFeasible);
        if (feasible)
        {
            Assert.Equal(QualitySource.Unmeasured, plan.Chosen!.QualitySource);
            Assert.Contains("NOT measured", plan.Explain(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(plan.Rejections, r => r.ToString() == "fp16: accuracy not measured (policy.allowUnmeasuredPrecisions is false)");
        }
    }

    [Fact]
    public void Should_TreatFp32AsMeasuredReference_When_NothingIsMeasured()
    {
        var plan = Plan(RoundModel(), Slo(), Policy(), [RoundGpu()]);

        Assert.True(plan.IsFeasible);
        Assert.Equal(Precision.Fp32, plan.Chosen!.Precision);
        Assert.Equal(QualitySource.Reference, plan.Chosen.QualitySource);
    }

    // RoundGpu fp32 batch 1: 200 inferences/s per replica.
    [Theory]
    [InlineData(100, 0, 1, 1)]
    [InlineData(200, 0, 1, 1)]
    [InlineData(201, 0, 1, 2)]
    [InlineData(200, 20, 1, 2)]   // ceil(240 / 200)
    [InlineData(50, 0, 3, 3)]     // slo.minReplicas
    [InlineData(1000, 50, 1, 8)]  // ceil(1500 / 200)
    public void Should_SizeReplicas_As_CeilingOfPeakWithHeadroomOverThroughput(double rps, double headroom, int minReplicas, int expected)
    {
        var plan = Pinned(RoundModel(), RoundGpu(), Precision.Fp32, 1, Slo(p95Ms: 100, rps: rps, minReplicas: minReplicas), Policy(headroomPercent: headroom));

        Assert.Equal(expected, plan.Chosen!.Replicas);
    }

    // Board 100 W, idle 20 W; fp32 batch 1 = 200 inferences/s per replica.
    [Theory]
    [InlineData(100, 60)]    // util 0.5: 20 + 80 x 0.5
    [InlineData(150, 80)]    // util 0.75
    [InlineData(200, 100)]   // util 1
    [InlineData(300, 160)]   // 2 replicas at util 0.75
    public void Should_EstimatePower_As_IdlePlusDynamicTimesUtilisation(double rps, double expectedWatts)
    {
        var plan = Pinned(RoundModel(), RoundGpu(), Precision.Fp32, 1, Slo(p95Ms: 100, rps: rps));

        Assert.Equal(expectedWatts, plan.Chosen!.AverageWatts, 9);
    }

    [Fact]
    public void Should_DeriveCostEnergyAndCarbon_From_PowerPriceAndPolicy()
    {
        var policy = Policy() with { ElectricityPricePerKwh = 0.5, CarbonIntensityGramsPerKwh = 500 };

        var c = Pinned(RoundModel(), RoundGpu(price: 1.0), Precision.Fp32, 1, Slo(p95Ms: 100, rps: 100), policy).Chosen!;

        Assert.Equal(60, c.AverageWatts, 9);
        Assert.Equal(1.0 + (0.060 * 0.5), c.CostPerHour, 12);               // device + 60 W x $0.5/kWh
        Assert.Equal(1.03 / (100 * 3600) * 1e6, c.CostPerMillionInferences, 9);
        Assert.Equal(60.0 / (100 * 3600) * 1000, c.WattHoursPer1kInferences, 12);
        Assert.Equal(60.0 / (100 * 3600) * 500, c.GramsCo2ePer1kInferences, 12);
    }

    [Fact]
    public void Should_ChooseQueueDelay_As_TimeToFillTheBatch_So_SloHolds()
    {
        // 100 rps on one replica: a batch of b fills in (b - 1) x 10 ms; batch time 5 ms up to batch 8.
        var loose = Plan(RoundModel(), Slo(p95Ms: 100, rps: 100), Policy(), [RoundGpu()]).Chosen!;
        var tight = Plan(RoundModel(), Slo(p95Ms: 50, rps: 100), Policy(), [RoundGpu()]).Chosen!;

        Assert.Equal(8, loose.MaxBatchSize);
        Assert.Equal(70, loose.MaxQueueDelayMs, 9);
        Assert.Equal(75, loose.PredictedP95Ms, 9);
        Assert.Equal(4, tight.MaxBatchSize);
        Assert.Equal(30, tight.MaxQueueDelayMs, 9);
        Assert.True(tight.PredictedP95Ms <= 50);
    }

    [Fact]
    public void Should_ReportLatencyRejection_With_PredictedAndSloNumbers()
    {
        var plan = Plan(RoundModel(), Slo(p95Ms: 4, rps: 10), Policy(), [RoundGpu()]);

        Assert.False(plan.IsFeasible);
        Assert.Equal(ConstraintKind.Latency, plan.BindingConstraint);
        Assert.Contains(plan.Rejections, r => r.ToString() == "gpu-a/fp32: p95 5 ms > SLO 4 ms");
        Assert.NotNull(plan.Closest);
        Assert.Equal(1, plan.Closest!.MaxBatchSize);
    }

    [Fact]
    public void Should_RejectH100_When_OverCostBudget()
    {
        var h100 = DefaultCatalog.Create().Single(a => a.Name == "nvidia-h100");
        var policy = new Policy { Budgets = new Budgets { MaxCostPerHour = 5.00 } };

        var fp32Only = Plan(ExampleModels.MiniLm(), Slo(p95Ms: 100, rps: 100), policy, [h100]);
        var allPrecisions = Plan(AllPrecisionsMeasured(ExampleModels.MiniLm()), Slo(p95Ms: 100, rps: 100), policy, [h100]);

        Assert.False(fp32Only.IsFeasible);
        Assert.Equal(ConstraintKind.CostBudget, fp32Only.BindingConstraint);
        Assert.Contains(fp32Only.Rejections, r => r.ToString() == "nvidia-h100/fp32: $7.00/h > budget $5.00/h");
        Assert.Contains(allPrecisions.Rejections, r => r.ToString() == "nvidia-h100: $7.00/h > budget $5.00/h (closest of 4 precisions: int8)");
        Assert.DoesNotContain(allPrecisions.Rejections, r => r.Subject.StartsWith("nvidia-h100/", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_ListEachFamily_When_AnAcceleratorFailsForDifferentReasons()
    {
        // fp32 (400 MB) is 3.7x over 0.1 GiB (its worst violation); int8 (100 MB) fits but misses a 1.9 ms SLO (batch time 2 ms).
        var policy = Policy() with { AllowedPrecisions = [Precision.Fp32, Precision.Int8] };

        var plan = Plan(AllPrecisionsMeasured(RoundModel()), Slo(p95Ms: 1.9, rps: 10), policy, [RoundGpu(memoryGiB: 0.1)]);

        Assert.Contains(plan.Rejections, r => r.Subject == "gpu-a/fp32" && r.Constraint == ConstraintKind.Memory);
        Assert.Contains(plan.Rejections, r => r.Subject == "gpu-a/int8" && r.Constraint == ConstraintKind.Latency);
    }

    [Theory]
    [InlineData(Objective.Cost)]
    [InlineData(Objective.Latency)]
    [InlineData(Objective.Energy)]
    public void Should_NeverChooseAboveCostBudget_Whatever_TheObjective(Objective objective)
    {
        var policy = new Policy { Objective = objective, Budgets = new Budgets { MaxCostPerHour = 5.00 } };

        var plan = Plan(ExampleModels.MiniLm(), Slo(p95Ms: 100, rps: 2000), policy, DefaultCatalog.Create());

        Assert.True(plan.IsFeasible, plan.Explain());
        Assert.True(plan.Chosen!.CostPerHour <= 5.00);
        Assert.All(plan.Alternatives, a => Assert.True(a.Candidate.CostPerHour <= 5.00));
    }

    [Fact]
    public void Should_RejectForPower_When_OverPowerBudget()
    {
        var policy = Policy() with { Budgets = new Budgets { MaxPowerWatts = 50 } };

        // 100 rps needs at least 60 W on gpu-a at batch 1 and 25 W at batch 8, but batch 8 needs 70 ms of queueing.
        var plan = Plan(RoundModel(), Slo(p95Ms: 20, rps: 100), policy, [RoundGpu()]);

        Assert.True(plan.IsFeasible);
        Assert.True(plan.Chosen!.AverageWatts <= 50);
        var strict = Plan(RoundModel(), Slo(p95Ms: 6, rps: 100), policy, [RoundGpu()]);
        Assert.False(strict.IsFeasible);
        Assert.Equal(ConstraintKind.PowerBudget, strict.BindingConstraint);
        Assert.Contains(strict.Rejections, r => r.ToString() == "gpu-a/fp32: 60 W > budget 50 W");
    }

    private static IReadOnlyList<AcceleratorProfile> ObjectiveCatalog() =>
    [
        RoundGpu("cheap", price: 1),
        RoundGpu("fast", price: 5) with { PeakTflops = new(100, 200, 400, 0), MemoryBandwidthGBps = 1000, PerBatchOverheadMs = 0.1, BoardPowerWatts = 300, IdlePowerWatts = 60 },
        RoundGpu("frugal", price: 3) with { BoardPowerWatts = 40, IdlePowerWatts = 5 },
    ];

    [Theory]
    [InlineData(Objective.Cost, "cheap")]
    [InlineData(Objective.Latency, "fast")]
    [InlineData(Objective.Energy, "frugal")]
    [InlineData(Objective.Carbon, "frugal")]
    public void Should_PickTheBestCandidate_For_TheObjective(Objective objective, string expected)
    {
        var plan = Plan(RoundModel(), Slo(p95Ms: 100, rps: 100), Policy(objective), ObjectiveCatalog());

        Assert.Equal(expected, plan.Chosen!.Accelerator);
        Assert.Equal(2, plan.Alternatives.Count);
        Assert.DoesNotContain(plan.Alternatives, a => a.Candidate.Accelerator == expected);
    }

    [Theory]
    [InlineData(1, 0, 0, 0, "cheap")]
    [InlineData(0, 0, 0, 1, "fast")]
    [InlineData(0, 1, 0, 0, "frugal")]
    public void Should_WeighBalancedObjective_By_PolicyWeights(double cost, double energy, double carbon, double latency, string expected)
    {
        var policy = Policy(Objective.Balanced) with { Weights = new ObjectiveWeights { Cost = cost, Energy = energy, Carbon = carbon, Latency = latency } };

        var plan = Plan(RoundModel(), Slo(p95Ms: 100, rps: 100), policy, ObjectiveCatalog());

        Assert.Equal(expected, plan.Chosen!.Accelerator);
        Assert.StartsWith("balanced score", plan.Alternatives[0].LostBecause, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_BreakTiesByName_Regardless_Of_CatalogOrder()
    {
        IReadOnlyList<AcceleratorProfile> forward = [RoundGpu("gpu-a"), RoundGpu("gpu-b")];
        IReadOnlyList<AcceleratorProfile> backward = [RoundGpu("gpu-b"), RoundGpu("gpu-a")];

        var p1 = Plan(RoundModel(), Slo(), Policy(), forward);
        var p2 = Plan(RoundModel(), Slo(), Policy(), backward);

        Assert.Equal("gpu-a", p1.Chosen!.Accelerator);
        Assert.Equal(p1.Chosen, p2.Chosen);
        Assert.Equal(p1.Explain(), p2.Explain());
        Assert.StartsWith("tied on cost; lost the tie-break", p1.Alternatives[0].LostBecause, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_PinEveryOverriddenChoice()
    {
        var overrides = new Overrides { Accelerator = "gpu-b", Precision = Precision.Int8, MaxBatchSize = 2, MaxQueueDelayMs = 3 };
        IReadOnlyList<AcceleratorProfile> catalog = [RoundGpu("gpu-a", price: 1), RoundGpu("gpu-b", price: 2)];

        var plan = Plan(AllPrecisionsMeasured(RoundModel()), Slo(), Policy(), catalog, overrides);

        var c = plan.Chosen!;
        Assert.Equal(("gpu-b", Precision.Int8, 2, 3.0), (c.Accelerator, c.Precision, c.MaxBatchSize, c.MaxQueueDelayMs));
        Assert.Equal(c.BatchTimeMs + 3.0, c.PredictedP95Ms, 12);
        Assert.Contains(plan.Rejections, r => r.ToString() == "gpu-a: overrides.accelerator pins gpu-b");
        Assert.Contains(plan.Rejections, r => r.ToString() == "fp16: overrides.precision pins int8");
    }

    [Fact]
    public void Should_KeepPolicy_When_OverrideAsksForADisallowedPrecision()
    {
        var policy = Policy() with { AllowedPrecisions = [Precision.Fp32] };

        var plan = Plan(AllPrecisionsMeasured(RoundModel()), Slo(), policy, [RoundGpu()], new Overrides { Precision = Precision.Int4 });

        Assert.False(plan.IsFeasible);
        Assert.Contains(plan.Rejections, r => r.ToString() == "int4: not in policy.allowedPrecisions");
    }

    // RoundCpu has 4 vCPUs. Measured on 4 vCPUs: 20/s at batch 1 (p50 40 ms), 48/s at batch 8.
    [Theory]
    [InlineData(1, 20.0, 40.0)]            // p50 at batch 1
    [InlineData(2, 24.0, 2000.0 / 24)]     // 20 + 28 x 1/7
    [InlineData(4, 32.0, 4000.0 / 32)]     // 20 + 28 x 3/7
    [InlineData(8, 48.0, 8000.0 / 48)]
    [InlineData(16, 48.0, 16000.0 / 48)]   // no extrapolation beyond batch 8
    public void Should_InterpolateMeasuredCpuThroughput_Between_Batch1And8(int batch, double expectedRps, double expectedBatchMs)
    {
        var measured = new PrecisionMeasurement
        {
            Precision = Precision.Fp32,
            Cpu = new CpuThroughputMeasurement { InferencesPerSecondBatch1 = 20, InferencesPerSecondBatch8 = 48, P50LatencyMsBatch1 = 40, VCpus = 4 },
        };

        var c = Pinned(RoundModel(measured), RoundCpu(), Precision.Fp32, batch).Chosen!;

        Assert.Equal(EstimateSource.Measured, c.ThroughputSource);
        Assert.Equal(expectedRps, c.ThroughputPerReplicaRps, 9);
        Assert.Equal(expectedBatchMs, c.BatchTimeMs, 9);
    }

    [Fact]
    public void Should_ScaleCpuMeasurement_By_VCpus_And_SayItIsScaled()
    {
        var measured = new PrecisionMeasurement
        {
            Precision = Precision.Fp32,
            Cpu = new CpuThroughputMeasurement { InferencesPerSecondBatch1 = 20, InferencesPerSecondBatch8 = 48, P50LatencyMsBatch1 = 40, VCpus = 4 },
        };
        var model = RoundModel(measured);

        var cpu8 = Pinned(model, RoundCpu(vCpus: 8), Precision.Fp32, 1).Chosen!;
        var gpu = Pinned(model, RoundGpu(), Precision.Fp32, 1).Chosen!;

        Assert.Equal(EstimateSource.MeasuredScaled, cpu8.ThroughputSource);
        Assert.Equal(40, cpu8.ThroughputPerReplicaRps, 9);
        Assert.Equal(25, cpu8.BatchTimeMs, 9);
        Assert.Equal(EstimateSource.Roofline, gpu.ThroughputSource);   // a CPU measurement says nothing about a GPU
    }
}
