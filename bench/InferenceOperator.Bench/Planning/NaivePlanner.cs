using InferenceOperator.Planning;

namespace InferenceOperator.Bench.Planning;

/// <summary>
/// The obvious way to write the search, kept as the baseline the planner is timed against: every candidate becomes
/// a record in a list, LINQ filters and sorts. Same roofline rules and cost objective with the same tie-breaks as
/// the planner (no CPU calibration, no explanation), enough for the benchmark workload; the suite checks both agree.
/// </summary>
internal static class NaivePlanner
{
    internal sealed record Row(string Accelerator, Precision Precision, int Batch, int Replicas, double P95Ms, double CostPerHour, double Watts, bool Feasible);

    private static readonly int[] Batches = [1, 2, 4, 8, 16, 32, 64, 128];

    public static Row? Plan(ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog)
    {
        var rows =
            from a in catalog
            from p in Enum.GetValues<Precision>()
            where Passes(model, policy, p)
            from b in Batches
            select Estimate(model, slo, policy, a, p, b);

        return rows
            .Where(r => r.Feasible)
            .OrderBy(r => r.CostPerHour)
            .ThenBy(r => r.Watts)
            .ThenBy(r => r.P95Ms)
            .ThenBy(r => r.Accelerator, StringComparer.Ordinal)
            .ThenBy(r => r.Precision)
            .ThenBy(r => r.Batch)
            .FirstOrDefault();
    }

    private static bool Passes(ModelProfile model, Policy policy, Precision p)
    {
        if (p == Precision.Fp32)
        {
            return true;
        }

        var quality = model.Measurements.FirstOrDefault(m => m.Precision == p)?.Quality;
        return quality is null ? policy.AllowUnmeasuredPrecisions : quality.CosineMean >= (policy.Quality.MinCosineSimilarity ?? double.MinValue);
    }

    private static Row Estimate(ModelProfile model, Slo slo, Policy policy, AcceleratorProfile a, Precision p, int b)
    {
        var bytes = model.WeightBytesFor(p) + (model.ActivationBytesPerItem * b);
        var h = 1 + (policy.HeadroomPercent / 100);
        var q = a.PeakTflops.For(p) > 0 ? p : (p is Precision.Int8 or Precision.Int4) && a.PeakTflops.Fp16 > 0 ? Precision.Fp16 : Precision.Fp32;
        var compute = model.FlopsPerInference * b / (a.PeakTflops.For(q) * a.ComputeEfficiency.For(q) * 1e12);
        var memory = bytes / (a.MemoryBandwidthGBps * 1e9 * a.BandwidthEfficiency);
        var batchSeconds = Math.Max(compute, memory) + (a.PerBatchOverheadMs / 1000);
        var throughput = b / batchSeconds;
        var replicas = (int)Math.Max(Math.Max(1, slo.MinReplicas), Math.Ceiling(slo.ThroughputRps * h / throughput));
        var p95 = (batchSeconds * 1000) + ((b - 1) / (slo.ThroughputRps / replicas) * 1000);
        var utilization = Math.Min(1, slo.ThroughputRps / (replicas * throughput));
        var watts = replicas * (a.IdlePowerWatts + ((a.BoardPowerWatts - a.IdlePowerWatts) * utilization));
        var cost = (replicas * a.PricePerHour) + (watts / 1000 * policy.ElectricityPricePerKwh);
        var feasible = bytes * h <= a.MemoryGiB * 1024 * 1024 * 1024
            && p95 <= slo.LatencyP95Ms
            && cost <= (policy.Budgets.MaxCostPerHour ?? double.PositiveInfinity)
            && watts <= (policy.Budgets.MaxPowerWatts ?? double.PositiveInfinity);
        return new Row(a.Name, p, b, replicas, p95, cost, watts, feasible);
    }
}
