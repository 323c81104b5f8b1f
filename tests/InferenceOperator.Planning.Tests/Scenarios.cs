namespace InferenceOperator.Planning.Tests;

/// <summary>Small, hand-checkable inputs shared by the table tests.</summary>
internal static class Scenarios
{
    /// <summary>A GPU with round numbers: 10 TFLOPS at 100% efficiency = 1e13 FLOP/s, 100 GB/s at 100%, 1 ms per batch overhead.</summary>
    public static AcceleratorProfile RoundGpu(string name = "gpu-a", double price = 1.0, double memoryGiB = 16) => new()
    {
        Name = name,
        Kind = AcceleratorKind.Gpu,
        MemoryGiB = memoryGiB,
        MemoryBandwidthGBps = 100,
        PeakTflops = new(10, 20, 40, 0),
        ComputeEfficiency = PrecisionValues.All(1.0),
        BandwidthEfficiency = 1.0,
        PerBatchOverheadMs = 1.0,
        BoardPowerWatts = 100,
        IdlePowerWatts = 20,
        PricePerHour = price,
        ExecutionProvider = "CUDAExecutionProvider",
    };

    /// <summary>A 4-vCPU replica with fp32 and int8 paths only, 100% efficiencies.</summary>
    public static AcceleratorProfile RoundCpu(string name = "cpu-a", int vCpus = 4) => new()
    {
        Name = name,
        Kind = AcceleratorKind.Cpu,
        VCpus = vCpus,
        MemoryGiB = 16,
        MemoryBandwidthGBps = 20,
        PeakTflops = new(0.1, 0, 0.4, 0),
        ComputeEfficiency = PrecisionValues.All(1.0),
        BandwidthEfficiency = 1.0,
        PerBatchOverheadMs = 0,
        BoardPowerWatts = 30,
        IdlePowerWatts = 10,
        PricePerHour = 0.16,
    };

    /// <summary>1e9 FLOP and 1e8 parameters (400 MB at fp32), no activations.</summary>
    public static ModelProfile RoundModel(params PrecisionMeasurement[] measurements) => new()
    {
        Name = "round",
        Parameters = 1e8,
        FlopsPerInference = 1e9,
        ActivationBytesPerItem = 0,
        Measurements = measurements,
    };

    public static PrecisionMeasurement Quality(Precision precision, double cosine, double? top1 = null) =>
        new() { Precision = precision, Quality = new QualityMeasurement { CosineMean = cosine, Top1Agreement = top1 } };

    /// <summary>The model with passing accuracy measurements added for fp16, int8 and int4 (existing entries kept).</summary>
    public static ModelProfile AllPrecisionsMeasured(ModelProfile model)
    {
        var measurements = model.Measurements.ToList();
        foreach (var (precision, cosine) in new[] { (Precision.Fp16, 0.9999), (Precision.Int8, 0.995), (Precision.Int4, 0.992) })
        {
            if (!measurements.Any(m => m.Precision == precision))
            {
                measurements.Add(Quality(precision, cosine));
            }
        }

        return model with { Measurements = measurements };
    }

    public static Slo Slo(double p95Ms = 100, double rps = 100, int minReplicas = 1) =>
        new() { LatencyP95Ms = p95Ms, ThroughputRps = rps, MinReplicas = minReplicas };

    public static Policy Policy(Objective objective = Objective.Cost, double headroomPercent = 0) =>
        new() { Objective = objective, HeadroomPercent = headroomPercent, BaselineAccelerator = "gpu-a", ElectricityPricePerKwh = 0 };

    public static Plan Plan(ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog, Overrides? overrides = null) =>
        new Planner().Plan(model, slo, policy, catalog, overrides);

    /// <summary>Every number a plan carries, for NaN/infinity checks.</summary>
    public static IEnumerable<double> Figures(Plan plan)
    {
        yield return plan.SavingsPercent;
        yield return plan.SavingsPerMonth;
        foreach (var c in Candidates(plan))
        {
            yield return c.MaxQueueDelayMs;
            yield return c.BatchTimeMs;
            yield return c.PredictedP95Ms;
            yield return c.ThroughputPerReplicaRps;
            yield return c.Utilization;
            yield return c.MemoryRequiredGiB;
            yield return c.CostPerHour;
            yield return c.CostPerMillionInferences;
            yield return c.AverageWatts;
            yield return c.WattHoursPer1kInferences;
            yield return c.GramsCo2ePer1kInferences;
            yield return c.CosineMean ?? 0;
        }
    }

    public static IEnumerable<Candidate> Candidates(Plan plan)
    {
        if (plan.Chosen is { } chosen)
        {
            yield return chosen;
        }

        if (plan.Baseline is { } baseline)
        {
            yield return baseline;
        }

        if (plan.Closest is { } closest)
        {
            yield return closest;
        }

        foreach (var a in plan.Alternatives)
        {
            yield return a.Candidate;
        }
    }
}
