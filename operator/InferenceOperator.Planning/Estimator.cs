namespace InferenceOperator.Planning;

/// <summary>Per-plan constants the estimate needs, resolved once.</summary>
internal readonly struct PlanContext
{
    public required double PeakRps { get; init; }

    public required double SloMs { get; init; }

    /// <summary>1 + headroom: multiplies both the peak rate (for replicas) and the memory need.</summary>
    public required double HeadroomFactor { get; init; }

    public required int MinReplicas { get; init; }

    public required double ElectricityPricePerKwh { get; init; }

    public required double CarbonIntensity { get; init; }

    /// <summary>Cost ceiling, or +infinity (never shown) when there is none.</summary>
    public required double MaxCostPerHour { get; init; }

    /// <summary>Power ceiling, or +infinity (never shown) when there is none.</summary>
    public required double MaxPowerWatts { get; init; }

    /// <summary>Pinned queue delay in ms, or a negative number when the planner chooses it.</summary>
    public required double PinnedQueueDelayMs { get; init; }

    /// <summary>Peak rate x headroom factor: the capacity replicas must provide.</summary>
    public double RequiredCapacityRps => PeakRps * HeadroomFactor;

    public double InferencesPerHour => PeakRps * 3600.0;
}

/// <summary>What one accelerator x precision family needs for every batch size, resolved once per family.</summary>
internal readonly struct FamilyConstants
{
    public required int AcceleratorIndex { get; init; }

    public required Precision Precision { get; init; }

    public required Precision ComputePrecision { get; init; }

    public required double WeightBytes { get; init; }

    public required double ActivationBytesPerItem { get; init; }

    public required double MemoryCapacityBytes { get; init; }

    public required double FlopsPerInference { get; init; }

    /// <summary>Peak x efficiency at the compute precision, FLOP/s.</summary>
    public required double FlopsPerSecond { get; init; }

    /// <summary>Bandwidth x efficiency, bytes/s.</summary>
    public required double BytesPerSecond { get; init; }

    public required double OverheadSeconds { get; init; }

    public required double IdleWatts { get; init; }

    public required double BoardWatts { get; init; }

    public required double PricePerHour { get; init; }

    /// <summary>Set when a CPU measurement replaces the roofline.</summary>
    public required CpuThroughputMeasurement? Cpu { get; init; }

    public required int VCpus { get; init; }
}

/// <summary>One estimated candidate, kept as a struct so the search allocates nothing per candidate.</summary>
internal struct Evaluation
{
    public int AcceleratorIndex;
    public Precision Precision;
    public Precision ComputePrecision;
    public int Batch;
    public EstimateSource Source;
    public int Replicas;
    public double ReplicasNeeded;
    public double MemoryBytes;
    public double BatchMs;
    public double QueueMs;
    public double P95Ms;
    public double ThroughputPerReplica;
    public double Utilization;
    public double CostPerHour;
    public double Watts;

    /// <summary>gCO2e per 1k inferences; filled by the scoring pass only for the carbon and balanced objectives.</summary>
    public double Co2Per1k;

    /// <summary>The worst violated constraint, or None when feasible.</summary>
    public ConstraintKind Failure;

    /// <summary>Largest relative excess over a limit (value / limit - 1); zero when feasible.</summary>
    public double Violation;

    /// <summary>Objective value (lower is better); set for feasible candidates.</summary>
    public double Score;

    public readonly bool IsFeasible => Failure == ConstraintKind.None;
}

/// <summary>The estimation rules of the planner, one candidate at a time.</summary>
internal static class Estimator
{
    public const double BytesPerGiB = 1024.0 * 1024.0 * 1024.0;

    /// <summary>The precision arithmetic runs at: the requested one if the device has a native path, else the next wider one that has (int4 and int8 fall back to fp16, then fp32).</summary>
    public static Precision ComputePath(PrecisionValues peak, Precision precision)
    {
        if (peak.For(precision) > 0)
        {
            return precision;
        }

        return precision != Precision.Fp32 && precision != Precision.Fp16 && peak.Fp16 > 0 ? Precision.Fp16 : Precision.Fp32;
    }

    /// <summary>Resolve the per-family constants of (<paramref name="a"/>, <paramref name="precision"/>).</summary>
    public static FamilyConstants Prepare(AcceleratorProfile a, int acceleratorIndex, ModelProfile model, double weightBytes, CpuThroughputMeasurement? cpu, Precision precision)
    {
        var computePrecision = ComputePath(a.PeakTflops, precision);
        return new FamilyConstants
        {
            AcceleratorIndex = acceleratorIndex,
            Precision = precision,
            ComputePrecision = computePrecision,
            WeightBytes = weightBytes,
            ActivationBytesPerItem = model.ActivationBytesPerItem,
            MemoryCapacityBytes = a.MemoryGiB * BytesPerGiB,
            FlopsPerInference = model.FlopsPerInference,
            FlopsPerSecond = a.PeakTflops.For(computePrecision) * a.ComputeEfficiency.For(computePrecision) * 1e12,
            BytesPerSecond = a.MemoryBandwidthGBps * 1e9 * a.BandwidthEfficiency,
            OverheadSeconds = a.PerBatchOverheadMs / 1000.0,
            IdleWatts = a.IdlePowerWatts,
            BoardWatts = a.BoardPowerWatts,
            PricePerHour = a.PricePerHour,
            Cpu = a.Kind == AcceleratorKind.Cpu ? cpu : null,
            VCpus = a.VCpus,
        };
    }

    /// <summary>Estimate the family's candidate at <paramref name="batch"/> into <paramref name="e"/> (the hot loop: no allocation).</summary>
    public static void Evaluate(ref Evaluation e, in FamilyConstants f, in PlanContext c, int batch)
    {
        e.AcceleratorIndex = f.AcceleratorIndex;
        e.Precision = f.Precision;
        e.ComputePrecision = f.ComputePrecision;
        e.Batch = batch;

        // Memory: weights at this precision + activations for the batch, plus headroom.
        var bytesPerBatch = f.WeightBytes + (f.ActivationBytesPerItem * batch);
        e.MemoryBytes = bytesPerBatch * c.HeadroomFactor;

        // Time per batch and throughput per replica.
        double batchSeconds;
        double throughput;
        if (f.Cpu is { } cpu)
        {
            var scale = cpu.VCpus > 0 ? (double)f.VCpus / cpu.VCpus : 1.0;
            e.Source = scale == 1.0 ? EstimateSource.Measured : EstimateSource.MeasuredScaled;
            var rps1 = cpu.InferencesPerSecondBatch1 * scale;
            var rps8 = (cpu.InferencesPerSecondBatch8 > 0 ? cpu.InferencesPerSecondBatch8 : cpu.InferencesPerSecondBatch1) * scale;
            throughput = batch >= 8 ? rps8 : rps1 + ((rps8 - rps1) * (batch - 1) / 7.0);
            batchSeconds = batch == 1 && scale == 1.0 && cpu.P50LatencyMsBatch1 > 0
                ? cpu.P50LatencyMsBatch1 / 1000.0
                : batch / throughput;
        }
        else
        {
            e.Source = EstimateSource.Roofline;
            var computeSeconds = f.FlopsPerInference * batch / f.FlopsPerSecond;
            var memorySeconds = bytesPerBatch / f.BytesPerSecond;
            batchSeconds = Math.Max(computeSeconds, memorySeconds) + f.OverheadSeconds;
            throughput = batch / batchSeconds;
        }

        e.BatchMs = batchSeconds * 1000.0;
        e.ThroughputPerReplica = throughput;

        // Replicas: ceil(peak x (1 + headroom) / throughput), at least slo.minReplicas (and one).
        var needed = Math.Ceiling(c.RequiredCapacityRps / throughput);
        if (needed < c.MinReplicas)
        {
            needed = c.MinReplicas;
        }

        if (!(needed >= 1))
        {
            needed = 1;
        }

        e.ReplicasNeeded = needed;
        var replicas = needed > Planner.ReplicaLimit ? Planner.ReplicaLimit : (int)needed;
        e.Replicas = replicas;

        // Queue delay: the time a full batch takes to arrive at the per-replica peak rate, unless pinned.
        e.QueueMs = c.PinnedQueueDelayMs >= 0 ? c.PinnedQueueDelayMs : (batch - 1) / (c.PeakRps / replicas) * 1000.0;
        e.P95Ms = e.BatchMs + e.QueueMs;

        // Power and cost at the peak rate (energy and carbon per inference derive from these on demand).
        var utilization = c.PeakRps / (replicas * throughput);
        e.Utilization = utilization > 1 ? 1 : utilization;
        e.Watts = replicas * (f.IdleWatts + ((f.BoardWatts - f.IdleWatts) * e.Utilization));
        e.CostPerHour = (replicas * f.PricePerHour) + (e.Watts / 1000.0 * c.ElectricityPricePerKwh);
        e.Score = 0;

        if (!double.IsFinite(e.MemoryBytes + e.P95Ms + e.ThroughputPerReplica + e.Utilization + e.CostPerHour + e.Watts) || !(throughput > 0))
        {
            Sanitize(ref e);
            e.Failure = ConstraintKind.Catalog;
            e.Violation = double.MaxValue;
            return;
        }

        // Constraints, as plain comparisons; ratios only for the violated ones. The worst relative excess names the reason.
        if (e.MemoryBytes <= f.MemoryCapacityBytes && e.P95Ms <= c.SloMs && needed <= Planner.ReplicaLimit
            && e.CostPerHour <= c.MaxCostPerHour && e.Watts <= c.MaxPowerWatts)
        {
            e.Failure = ConstraintKind.None;
            e.Violation = 0;
            return;
        }

        var failure = ConstraintKind.None;
        var worst = 1.0;
        Check(ref failure, ref worst, ConstraintKind.Memory, e.MemoryBytes, f.MemoryCapacityBytes);
        Check(ref failure, ref worst, ConstraintKind.Latency, e.P95Ms, c.SloMs);
        Check(ref failure, ref worst, ConstraintKind.Replicas, needed, Planner.ReplicaLimit);
        Check(ref failure, ref worst, ConstraintKind.CostBudget, e.CostPerHour, c.MaxCostPerHour);
        Check(ref failure, ref worst, ConstraintKind.PowerBudget, e.Watts, c.MaxPowerWatts);
        e.Failure = failure;
        e.Violation = worst - 1.0;
    }

    public static double CostPerMillion(in Evaluation e, in PlanContext c) => e.CostPerHour / c.InferencesPerHour * 1e6;

    public static double WhPer1k(in Evaluation e, in PlanContext c) => e.Watts / c.InferencesPerHour * 1000.0;

    public static double Co2Per1k(in Evaluation e, in PlanContext c) => WhPer1k(in e, in c) / 1000.0 * c.CarbonIntensity;

    private static void Check(ref ConstraintKind failure, ref double worst, ConstraintKind kind, double value, double limit)
    {
        if (value > limit)
        {
            var ratio = value / limit;
            if (ratio > worst || failure == ConstraintKind.None)
            {
                worst = Math.Max(ratio, 1.0);
                failure = kind;
            }
        }
    }

    /// <summary>Out-of-range inputs can overflow a figure; such a candidate is rejected and its figures zeroed so no NaN or infinity escapes.</summary>
    private static void Sanitize(ref Evaluation e)
    {
        e.MemoryBytes = Finite(e.MemoryBytes);
        e.BatchMs = Finite(e.BatchMs);
        e.QueueMs = Finite(e.QueueMs);
        e.P95Ms = Finite(e.P95Ms);
        e.ThroughputPerReplica = Finite(e.ThroughputPerReplica);
        e.Utilization = Finite(e.Utilization);
        e.Watts = Finite(e.Watts);
        e.CostPerHour = Finite(e.CostPerHour);
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
