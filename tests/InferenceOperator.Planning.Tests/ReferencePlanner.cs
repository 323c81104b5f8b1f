namespace InferenceOperator.Planning.Tests;

/// <summary>
/// A deliberately simple brute-force planner for valid inputs: every accelerator x precision x batch, the issue's
/// formulas written out plainly, LINQ to pick the best. No pooling, no families, no early exits.
/// </summary>
internal static class ReferencePlanner
{
    internal sealed record Row(
        string Accelerator, Precision Precision, int Batch, int Replicas, double MemoryNeed, double MemoryCapacity,
        double BatchMs, double QueueMs, double P95Ms, double Throughput, double CostPerHour, double Watts, double Co2Per1k, bool Feasible)
    {
        public double Score { get; set; }
    }

    public static IReadOnlyList<int> SearchBatches { get; } = [1, 2, 4, 8, 16, 32, 64, 128];

    /// <summary>The best feasible row (null if none) and every feasible row with its objective score.</summary>
    public static (Row? Best, List<Row> Feasible) Solve(ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog, Overrides overrides)
    {
        var rows = All(model, slo, policy, catalog, overrides);
        var feasible = rows.Where(r => r.Feasible).ToList();
        if (feasible.Count == 0)
        {
            return (null, feasible);
        }

        foreach (var r in feasible)
        {
            r.Score = policy.Objective switch
            {
                Objective.Cost => r.CostPerHour,
                Objective.Energy => r.Watts,
                Objective.Carbon => r.Co2Per1k,
                Objective.Latency => r.P95Ms,
                _ => Balanced(r, feasible, policy.Weights),
            };
        }

        var best = feasible
            .OrderBy(r => r.Score)
            .ThenBy(r => r.CostPerHour)
            .ThenBy(r => r.Watts)
            .ThenBy(r => r.P95Ms)
            .ThenBy(r => r.Accelerator, StringComparer.Ordinal)
            .ThenBy(r => r.Precision)
            .ThenBy(r => r.Batch)
            .First();
        return (best, feasible);
    }

    public static List<Row> All(ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog, Overrides overrides)
    {
        var rows = new List<Row>();
        var batches = overrides.MaxBatchSize is { } pinned ? [pinned] : SearchBatches;
        var seen = new HashSet<string>();
        foreach (var a in catalog)
        {
            if (!seen.Add(a.Name))
            {
                continue;
            }

            if (policy.AllowedAccelerators is { Count: > 0 } allowed && !allowed.Contains(a.Name))
            {
                continue;
            }

            if (overrides.Accelerator is { } pinnedAccelerator && pinnedAccelerator != a.Name)
            {
                continue;
            }

            foreach (var p in Enum.GetValues<Precision>())
            {
                if (!Admitted(model, policy, overrides, p))
                {
                    continue;
                }

                foreach (var b in batches)
                {
                    rows.Add(Estimate(model, slo, policy, overrides, a, p, b));
                }
            }
        }

        return rows;
    }

    private static bool Admitted(ModelProfile model, Policy policy, Overrides overrides, Precision p)
    {
        if (policy.AllowedPrecisions is { } allowed && !allowed.Contains(p))
        {
            return false;
        }

        if (overrides.Precision is { } pinned && pinned != p)
        {
            return false;
        }

        if (p == Precision.Fp32)
        {
            return true;
        }

        var quality = model.Measurements.FirstOrDefault(m => m.Precision == p)?.Quality;
        if (quality is null)
        {
            return policy.AllowUnmeasuredPrecisions;
        }

        var cosineOk = policy.Quality.MinCosineSimilarity is not { } min || quality.CosineMean >= min;
        var top1Ok = policy.Quality.MaxTop1Disagreement is not { } max || quality.Top1Agreement is not { } agree || 1 - agree <= max;
        return cosineOk && top1Ok;
    }

    private static Row Estimate(ModelProfile model, Slo slo, Policy policy, Overrides overrides, AcceleratorProfile a, Precision p, int b)
    {
        double[] bytesPerParameter = [4, 2, 1, 0.5];
        var weights = model.WeightBytes is { } wb && wb.For(p) > 0 ? wb.For(p) : model.Parameters * bytesPerParameter[(int)p];
        var bytes = weights + (model.ActivationBytesPerItem * b);
        var h = 1 + (policy.HeadroomPercent / 100);
        var memoryNeed = bytes * h;
        var memoryCapacity = a.MemoryGiB * 1024 * 1024 * 1024;

        double batchSeconds;
        double throughput;
        var cpu = model.Measurements.FirstOrDefault(m => m.Precision == p)?.Cpu;
        if (a.Kind == AcceleratorKind.Cpu && cpu is not null)
        {
            var scale = cpu.VCpus > 0 ? (double)a.VCpus / cpu.VCpus : 1;
            var r1 = cpu.InferencesPerSecondBatch1 * scale;
            var r8 = (cpu.InferencesPerSecondBatch8 > 0 ? cpu.InferencesPerSecondBatch8 : cpu.InferencesPerSecondBatch1) * scale;
            throughput = b >= 8 ? r8 : r1 + ((r8 - r1) * (b - 1) / 7.0);
            batchSeconds = b == 1 && scale == 1 && cpu.P50LatencyMsBatch1 > 0 ? cpu.P50LatencyMsBatch1 / 1000 : b / throughput;
        }
        else
        {
            // No native path: int8/int4 compute at fp16 if the device has it, everything else at fp32.
            var q = a.PeakTflops.For(p) > 0 ? p
                : (p is Precision.Int8 or Precision.Int4) && a.PeakTflops.Fp16 > 0 ? Precision.Fp16
                : Precision.Fp32;
            var compute = model.FlopsPerInference * b / (a.PeakTflops.For(q) * a.ComputeEfficiency.For(q) * 1e12);
            var memory = bytes / (a.MemoryBandwidthGBps * 1e9 * a.BandwidthEfficiency);
            batchSeconds = Math.Max(compute, memory) + (a.PerBatchOverheadMs / 1000);
            throughput = b / batchSeconds;
        }

        var needed = Math.Max(Math.Max(1, slo.MinReplicas), Math.Ceiling(slo.ThroughputRps * h / throughput));
        var replicas = (int)Math.Min(needed, Planner.ReplicaLimit);
        var batchMs = batchSeconds * 1000;
        var queueMs = overrides.MaxQueueDelayMs ?? ((b - 1) / (slo.ThroughputRps / replicas) * 1000);
        var p95 = batchMs + queueMs;
        var utilization = Math.Min(1, slo.ThroughputRps / (replicas * throughput));
        var watts = replicas * (a.IdlePowerWatts + ((a.BoardPowerWatts - a.IdlePowerWatts) * utilization));
        var cost = (replicas * a.PricePerHour) + (watts / 1000 * policy.ElectricityPricePerKwh);
        var wh = watts / (slo.ThroughputRps * 3600) * 1000;
        var co2 = wh / 1000 * policy.CarbonIntensityGramsPerKwh;

        var feasible = memoryNeed <= memoryCapacity
            && p95 <= slo.LatencyP95Ms
            && needed <= Planner.ReplicaLimit
            && cost <= (policy.Budgets.MaxCostPerHour ?? double.PositiveInfinity)
            && watts <= (policy.Budgets.MaxPowerWatts ?? double.PositiveInfinity);
        return new Row(a.Name, p, b, replicas, memoryNeed, memoryCapacity, batchMs, queueMs, p95, throughput, cost, watts, co2, feasible);
    }

    private static double Balanced(Row r, List<Row> feasible, ObjectiveWeights w)
    {
        static double Term(double weight, double value, double best) => weight > 0 && best > 0 ? weight * value / best : 0;
        return Term(w.Cost, r.CostPerHour, feasible.Min(x => x.CostPerHour))
            + Term(w.Energy, r.Watts, feasible.Min(x => x.Watts))
            + Term(w.Carbon, r.Co2Per1k, feasible.Min(x => x.Co2Per1k))
            + Term(w.Latency, r.P95Ms, feasible.Min(x => x.P95Ms));
    }
}
