using System.Globalization;
using CsCheck;

namespace InferenceOperator.Planning.Tests;

/// <summary>Random catalogs, models, policies, SLOs and overrides against the brute-force reference and the plan's own claims.</summary>
public sealed class PropertyTests
{
    internal sealed record Scenario(ModelProfile Model, Slo Slo, Policy Policy, IReadOnlyList<AcceleratorProfile> Catalog, Overrides Overrides)
    {
        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"objective={Policy.Objective} slo={Slo.LatencyP95Ms}ms@{Slo.ThroughputRps}rps min={Slo.MinReplicas} catalog=[{string.Join(",", Catalog.Select(a => a.Name))}] params={Model.Parameters} flops={Model.FlopsPerInference} overrides={Overrides}");
    }

    private static readonly IReadOnlyList<AcceleratorProfile> Defaults = DefaultCatalog.Create();

    private static Gen<double> LogUniform(double min, double max) =>
        Gen.Double[Math.Log10(min), Math.Log10(max)].Select(x => Math.Pow(10, x));

    private static readonly Gen<AcceleratorProfile> GenAccelerator =
        Gen.Select(
            Gen.Int[0, Defaults.Count - 1],
            Gen.Select(LogUniform(0.2, 5), LogUniform(0.2, 5), LogUniform(0.05, 2), LogUniform(0.2, 5)),
            Gen.Select(Gen.Double[0, 2], Gen.Double[0.2, 1], Gen.Double[0.2, 1], Gen.Double[0.05, 0.5]),
            (index, scale, calibration) =>
            {
                var (price, bandwidth, memory, peak) = scale;
                var (overhead, computeEfficiency, bandwidthEfficiency, idleShare) = calibration;
                var a = Defaults[index];
                return a with
                {
                    PricePerHour = a.PricePerHour * price,
                    MemoryBandwidthGBps = a.MemoryBandwidthGBps * bandwidth,
                    MemoryGiB = a.MemoryGiB * memory,
                    PeakTflops = new(a.PeakTflops.Fp32 * peak, a.PeakTflops.Fp16 * peak, a.PeakTflops.Int8 * peak, a.PeakTflops.Int4 * peak),
                    PerBatchOverheadMs = overhead,
                    ComputeEfficiency = PrecisionValues.All(computeEfficiency),
                    BandwidthEfficiency = bandwidthEfficiency,
                    IdlePowerWatts = a.BoardPowerWatts * idleShare,
                };
            });

    private static readonly Gen<IReadOnlyList<AcceleratorProfile>> GenCatalog =
        GenAccelerator.Array[1, 6].Select(IReadOnlyList<AcceleratorProfile> (array) =>
            [.. array.Select((a, i) => a with { Name = string.Create(CultureInfo.InvariantCulture, $"{a.Name}-{i}") })]);

    private static Gen<PrecisionMeasurement?> GenMeasurement(Precision precision) =>
        Gen.Select(
            Gen.Int[0, 3],
            Gen.Double[0.95, 1.0],
            Gen.Double[0.9, 1.0].Nullable(0.5),
            Gen.Select(LogUniform(1, 500), Gen.Double[1, 4], Gen.Double[0, 200], Gen.Int[0, 3]),
            (shape, cosine, top1, cpu) =>
            {
                if (shape == 0)
                {
                    return (PrecisionMeasurement?)null;
                }

                var (rps1, gain, p50, vcpuIndex) = cpu;
                int[] vcpus = [0, 2, 4, 8];
                return new PrecisionMeasurement
                {
                    Precision = precision,
                    Quality = shape is 1 or 3 ? new QualityMeasurement { CosineMean = cosine, Top1Agreement = top1 } : null,
                    Cpu = shape is 2 or 3 ? new CpuThroughputMeasurement { InferencesPerSecondBatch1 = rps1, InferencesPerSecondBatch8 = rps1 * gain, P50LatencyMsBatch1 = p50 < 20 ? 0 : p50, VCpus = vcpus[vcpuIndex] } : null,
                };
            });

    private static readonly Gen<ModelProfile> GenModel =
        Gen.Select(
            Gen.Select(LogUniform(1e6, 3e10), LogUniform(1e8, 2e12), Gen.Double[0, 5e7]),
            Gen.Select(GenMeasurement(Precision.Fp32), GenMeasurement(Precision.Fp16), GenMeasurement(Precision.Int8), GenMeasurement(Precision.Int4)),
            (size, measured) =>
            {
                var (parameters, flops, activations) = size;
                var (m32, m16, m8, m4) = measured;
                return new ModelProfile
                {
                    Parameters = parameters,
                    FlopsPerInference = flops,
                    ActivationBytesPerItem = activations,
                    Measurements = new[] { m32, m16, m8, m4 }.OfType<PrecisionMeasurement>().ToList(),
                };
            });

    private static readonly Gen<Slo> GenSlo =
        Gen.Select(LogUniform(2, 1000), LogUniform(1, 20000), Gen.Int[0, 4],
            (latency, rps, minReplicas) => new Slo { LatencyP95Ms = latency, ThroughputRps = rps, MinReplicas = minReplicas });

    private static Gen<Policy> GenPolicy(IReadOnlyList<AcceleratorProfile> catalog) =>
        Gen.Select(
            Gen.Select(Gen.Enum<Objective>(), Gen.Double[0, 3], Gen.Double[0, 3], Gen.Double[0, 3], Gen.Double[0, 3]),
            Gen.Select(LogUniform(1, 200).Nullable(0.6), LogUniform(50, 20000).Nullable(0.7), Gen.Double[0.95, 1].Nullable(0.3), Gen.Double[0, 0.1].Nullable(0.5)),
            Gen.Select(Gen.Int[0, 15].Select(m => m < 8 ? 0 : m), Gen.Int[0, (1 << catalog.Count) - 1].Nullable(0.5), Gen.Bool, Gen.Int[0, 1]),
            Gen.Select(Gen.Double[0, 800], Gen.Double[0, 0.5], Gen.Double[0, 100]),
            (objective, limits, filters, environment) =>
            {
                var (kind, wCost, wEnergy, wCarbon, wLatency) = objective;
                var (maxCost, maxPower, minCosine, maxDisagreement) = limits;
                var (precisionMask, acceleratorMask, allowUnmeasured, baselineChoice) = filters;
                var (intensity, electricity, headroom) = environment;
                return new Policy
                {
                    Objective = kind,
                    Weights = new ObjectiveWeights { Cost = wCost + 0.01, Energy = wEnergy, Carbon = wCarbon, Latency = wLatency },
                    Budgets = new Budgets { MaxCostPerHour = maxCost, MaxPowerWatts = maxPower },
                    Quality = new QualityThresholds { MinCosineSimilarity = minCosine, MaxTop1Disagreement = maxDisagreement },
                    AllowedPrecisions = precisionMask == 0 ? null : [.. Enum.GetValues<Precision>().Where(p => (precisionMask & (1 << (int)p)) != 0)],
                    AllowedAccelerators = acceleratorMask is { } mask ? [.. catalog.Where((_, i) => (mask & (1 << i)) != 0).Select(a => a.Name)] : null,
                    AllowUnmeasuredPrecisions = allowUnmeasured,
                    CarbonIntensityGramsPerKwh = intensity,
                    ElectricityPricePerKwh = electricity,
                    HeadroomPercent = headroom,
                    BaselineAccelerator = baselineChoice == 0 ? catalog[0].Name : "nvidia-h100",
                };
            });

    private static Gen<Overrides> GenOverrides(IReadOnlyList<AcceleratorProfile> catalog) =>
        Gen.Select(
            Gen.Enum<Precision>().Nullable(0.8),
            Gen.Int[0, catalog.Count - 1].Nullable(0.8),
            Gen.Int[1, 64].Nullable(0.85),
            Gen.Double[0, 50].Nullable(0.85),
            (precision, accelerator, batch, delay) => new Overrides
            {
                Precision = precision,
                Accelerator = accelerator is { } i ? catalog[i].Name : null,
                MaxBatchSize = batch,
                MaxQueueDelayMs = delay,
            });

    private static readonly Gen<Scenario> GenScenario =
        GenCatalog.SelectMany(catalog =>
            Gen.Select(GenModel, GenSlo, GenPolicy(catalog), GenOverrides(catalog),
                (model, slo, policy, overrides) => new Scenario(model, slo, policy, catalog, overrides)));

    [Fact]
    public void Should_PickWhatBruteForcePicks_On_RandomInputs()
    {
        var planner = new Planner();
        GenScenario.Sample(
            s =>
            {
                var plan = planner.Plan(s.Model, s.Slo, s.Policy, s.Catalog, s.Overrides);
                var (best, feasible) = ReferencePlanner.Solve(s.Model, s.Slo, s.Policy, s.Catalog, s.Overrides);

                Assert.Equal(best is not null, plan.IsFeasible);
                if (best is null)
                {
                    return;
                }

                var chosen = plan.Chosen!;
                if ((chosen.Accelerator, chosen.Precision, chosen.MaxBatchSize) == (best.Accelerator, best.Precision, best.Batch))
                {
                    Assert.Equal(best.Replicas, chosen.Replicas);
                    Assert.Equal(best.CostPerHour, chosen.CostPerHour, 9);
                    Assert.Equal(best.P95Ms, chosen.PredictedP95Ms, 9);
                    return;
                }

                // A different pick is only acceptable if every numeric ranking key ties up to rounding (1e-12 relative),
                // in which case the reference's LINQ arithmetic may legitimately order the two the other way.
                var mine = feasible.Single(r => (r.Accelerator, r.Precision, r.Batch) == (chosen.Accelerator, chosen.Precision, chosen.MaxBatchSize));
                Assert.True(
                    Tied(mine.Score, best.Score) && Tied(mine.CostPerHour, best.CostPerHour) && Tied(mine.Watts, best.Watts) && Tied(mine.P95Ms, best.P95Ms),
                    $"planner chose {chosen}, brute force {best}");
            },
            iter: 2000);
    }

    [Fact]
    public void Should_MeetEveryConstraintItClaims_On_RandomInputs()
    {
        var planner = new Planner();
        GenScenario.Sample(
            s =>
            {
                var plan = planner.Plan(s.Model, s.Slo, s.Policy, s.Catalog, s.Overrides);
                Assert.All(Scenarios.Figures(plan), f => Assert.True(double.IsFinite(f)));
                if (!plan.IsFeasible)
                {
                    Assert.NotEqual(ConstraintKind.None, plan.BindingConstraint);
                    Assert.False(string.IsNullOrEmpty(plan.BindingReason));
                    return;
                }

                AssertMeetsConstraints(s, plan.Chosen!);
                Assert.All(plan.Alternatives, a => AssertMeetsConstraints(s, a.Candidate));
                Assert.Contains(plan.Chosen!.Accelerator, plan.Explain(), StringComparison.Ordinal);
            },
            iter: 1000);
    }

    [Fact]
    public void Should_NeverThrowOrProduceNaN_On_WildInputs()
    {
        double[] specials = [0, -1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, 1e-308, double.Epsilon];
        var wild = Gen.Select(Gen.Int[0, 9], LogUniform(1e-3, 1e6), (pick, value) => pick < specials.Length ? specials[pick] : value);
        var gen = Gen.Select(
            GenScenario,
            Gen.Select(wild, wild, wild, wild, wild),
            Gen.Int[0, 4],
            (s, w, which) =>
            {
                var (w1, w2, w3, w4, w5) = w;
                return which switch
                {
                    0 => s with { Slo = s.Slo with { LatencyP95Ms = w1, ThroughputRps = w2 } },
                    1 => s with { Model = s.Model with { Parameters = w1, FlopsPerInference = w2, ActivationBytesPerItem = w3 } },
                    2 => s with { Catalog = [.. s.Catalog.Select(a => a with { MemoryBandwidthGBps = w1, PricePerHour = w2, MemoryGiB = w3, BoardPowerWatts = w4, IdlePowerWatts = w5 })] },
                    3 => s with { Policy = s.Policy with { HeadroomPercent = w1, CarbonIntensityGramsPerKwh = w2, ElectricityPricePerKwh = w3, Budgets = new Budgets { MaxCostPerHour = w4, MaxPowerWatts = w5 } } },
                    _ => s with { Overrides = s.Overrides with { MaxQueueDelayMs = w1 } },
                };
            });
        var planner = new Planner();

        gen.Sample(
            s =>
            {
                var plan = planner.Plan(s.Model, s.Slo, s.Policy, s.Catalog, s.Overrides);
                Assert.All(Scenarios.Figures(plan), f => Assert.True(double.IsFinite(f)));
                _ = plan.Explain();
                Assert.Equal(plan.IsFeasible, plan.BindingConstraint == ConstraintKind.None);
            },
            iter: 1500);
    }

    private static bool Tied(double x, double y) => Math.Abs(x - y) <= 1e-12 * Math.Max(Math.Abs(x), Math.Abs(y));

    private static void AssertMeetsConstraints(Scenario s, Candidate c)
    {
        var (slo, policy, overrides) = (s.Slo, s.Policy, s.Overrides);
        var accelerator = s.Catalog.First(a => a.Name == c.Accelerator);
        var headroom = 1 + (policy.HeadroomPercent / 100);

        Assert.True(c.PredictedP95Ms <= slo.LatencyP95Ms, $"p95 {c.PredictedP95Ms} > {slo.LatencyP95Ms}");
        Assert.Equal(c.BatchTimeMs + c.MaxQueueDelayMs, c.PredictedP95Ms, 1e-9 * c.PredictedP95Ms);
        Assert.True(c.CostPerHour <= (policy.Budgets.MaxCostPerHour ?? double.MaxValue));
        Assert.True(c.AverageWatts <= (policy.Budgets.MaxPowerWatts ?? double.MaxValue));
        Assert.InRange(c.Replicas, Math.Max(1, slo.MinReplicas), Planner.ReplicaLimit);
        Assert.True(c.Replicas * c.ThroughputPerReplicaRps >= slo.ThroughputRps * headroom * (1 - 1e-12), "capacity below peak x headroom");
        Assert.InRange(c.Utilization, 0, 1);
        Assert.True(c.MemoryRequiredGiB <= accelerator.MemoryGiB);
        Assert.Equal(c.CostPerHour / (slo.ThroughputRps * 3600) * 1e6, c.CostPerMillionInferences, 1e-9 * c.CostPerMillionInferences);
        if (policy.AllowedPrecisions is { } precisions)
        {
            Assert.Contains(c.Precision, precisions);
        }

        if (policy.AllowedAccelerators is { Count: > 0 } accelerators)
        {
            Assert.Contains(c.Accelerator, accelerators);
        }

        Assert.True(overrides.Precision is null || overrides.Precision == c.Precision);
        Assert.True(overrides.Accelerator is null || overrides.Accelerator == c.Accelerator);
        Assert.True(overrides.MaxBatchSize is null || overrides.MaxBatchSize == c.MaxBatchSize);
        Assert.True(overrides.MaxQueueDelayMs is null || overrides.MaxQueueDelayMs == c.MaxQueueDelayMs);
        var quality = s.Model.MeasurementFor(c.Precision)?.Quality;
        switch (c.QualitySource)
        {
            case QualitySource.Reference:
                Assert.Equal(Precision.Fp32, c.Precision);
                break;
            case QualitySource.Measured:
                Assert.NotNull(quality);
                Assert.True(policy.Quality.MinCosineSimilarity is not { } min || quality.CosineMean >= min);
                Assert.True(policy.Quality.MaxTop1Disagreement is not { } max || quality.Top1Agreement is not { } agree || 1 - agree <= max);
                break;
            default:
                Assert.Null(quality);
                Assert.True(policy.AllowUnmeasuredPrecisions);
                break;
        }
    }
}
