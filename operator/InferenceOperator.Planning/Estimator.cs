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
    public double MemoryCapacityBytes;
    public double BatchMs;
    public double QueueMs;
    public double P95Ms;
    public double ThroughputPerReplica;
    public double Utilization;
    public double CostPerHour;
    public double CostPerMillion;
    public double Watts;
    public double WhPer1k;
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

    /// <summary>Estimate candidate (<paramref name="a"/>, <paramref name="precision"/>, <paramref name="batch"/>) into <paramref name="e"/>.</summary>
    public static void Evaluate(
        ref Evaluation e,
        AcceleratorProfile a,
        int acceleratorIndex,
        ModelProfile model,
        double weightBytes,
        CpuThroughputMeasurement? cpu,
        in PlanContext c,
        Precision precision,
        int batch)
    {
        e.AcceleratorIndex = acceleratorIndex;
        e.Precision = precision;
        e.Batch = batch;

        // Memory: weights at this precision + activations for the batch, plus headroom.
        var bytesPerBatch = weightBytes + (model.ActivationBytesPerItem * batch);
        e.MemoryBytes = bytesPerBatch * c.HeadroomFactor;
        e.MemoryCapacityBytes = a.MemoryGiB * BytesPerGiB;

        // Time per batch and throughput per replica.
        var computePrecision = ComputePath(a.PeakTflops, precision);
        e.ComputePrecision = computePrecision;
        double batchSeconds;
        double throughput;
        if (cpu is not null && a.Kind == AcceleratorKind.Cpu)
        {
            var scale = cpu.VCpus > 0 ? (double)a.VCpus / cpu.VCpus : 1.0;
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
            var flopsPerSecond = a.PeakTflops.For(computePrecision) * a.ComputeEfficiency.For(computePrecision) * 1e12;
            var computeSeconds = model.FlopsPerInference * batch / flopsPerSecond;
            var memorySeconds = bytesPerBatch / (a.MemoryBandwidthGBps * 1e9 * a.BandwidthEfficiency);
            batchSeconds = Math.Max(computeSeconds, memorySeconds) + (a.PerBatchOverheadMs / 1000.0);
            throughput = batch / batchSeconds;
        }

        e.BatchMs = batchSeconds * 1000.0;
        e.ThroughputPerReplica = throughput;

        // Replicas: ceil(peak x (1 + headroom) / throughput), at least slo.minReplicas (and one).
        var needed = Math.Ceiling(c.PeakRps * c.HeadroomFactor / throughput);
        if (needed < c.MinReplicas)
        {
            needed = c.MinReplicas;
        }

        if (needed < 1 || double.IsNaN(needed))
        {
            needed = 1;
        }

        e.ReplicasNeeded = needed;
        var replicas = needed > Planner.ReplicaLimit ? Planner.ReplicaLimit : (int)needed;
        e.Replicas = replicas;

        // Queue delay: the time a full batch takes to arrive at the per-replica peak rate, unless pinned.
        var perReplicaRate = c.PeakRps / replicas;
        e.QueueMs = c.PinnedQueueDelayMs >= 0 ? c.PinnedQueueDelayMs : (batch - 1) / perReplicaRate * 1000.0;
        e.P95Ms = e.BatchMs + e.QueueMs;

        // Power, cost, energy and carbon at the peak rate.
        var utilization = c.PeakRps / (replicas * throughput);
        e.Utilization = utilization > 1 ? 1 : utilization;
        e.Watts = replicas * (a.IdlePowerWatts + ((a.BoardPowerWatts - a.IdlePowerWatts) * e.Utilization));
        e.CostPerHour = (replicas * a.PricePerHour) + (e.Watts / 1000.0 * c.ElectricityPricePerKwh);
        var inferencesPerHour = c.PeakRps * 3600.0;
        e.CostPerMillion = e.CostPerHour / inferencesPerHour * 1e6;
        e.WhPer1k = e.Watts / inferencesPerHour * 1000.0;
        e.Co2Per1k = e.WhPer1k / 1000.0 * c.CarbonIntensity;
        e.Score = 0;

        // Constraints: the worst relative excess decides the reason (earlier checks win exact ties).
        var failure = ConstraintKind.None;
        var worst = 1.0;
        Check(ref failure, ref worst, ConstraintKind.Memory, e.MemoryBytes / e.MemoryCapacityBytes);
        Check(ref failure, ref worst, ConstraintKind.Latency, e.P95Ms / c.SloMs);
        Check(ref failure, ref worst, ConstraintKind.Replicas, needed / Planner.ReplicaLimit);
        Check(ref failure, ref worst, ConstraintKind.CostBudget, e.CostPerHour / c.MaxCostPerHour);
        Check(ref failure, ref worst, ConstraintKind.PowerBudget, e.Watts / c.MaxPowerWatts);
        if (!AllFinite(in e))
        {
            failure = ConstraintKind.Catalog;
            worst = double.MaxValue;
            Sanitize(ref e);
        }

        e.Failure = failure;
        e.Violation = failure == ConstraintKind.None ? 0 : worst - 1.0;
    }

    private static void Check(ref ConstraintKind failure, ref double worst, ConstraintKind kind, double ratio)
    {
        if (ratio > worst)
        {
            worst = ratio;
            failure = kind;
        }
    }

    private static bool AllFinite(in Evaluation e) =>
        double.IsFinite(e.MemoryBytes) && double.IsFinite(e.BatchMs) && double.IsFinite(e.QueueMs) && double.IsFinite(e.P95Ms)
        && double.IsFinite(e.ThroughputPerReplica) && e.ThroughputPerReplica > 0 && double.IsFinite(e.Utilization)
        && double.IsFinite(e.Watts) && double.IsFinite(e.CostPerHour) && double.IsFinite(e.CostPerMillion)
        && double.IsFinite(e.WhPer1k) && double.IsFinite(e.Co2Per1k);

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
        e.CostPerMillion = Finite(e.CostPerMillion);
        e.WhPer1k = Finite(e.WhPer1k);
        e.Co2Per1k = Finite(e.Co2Per1k);
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
