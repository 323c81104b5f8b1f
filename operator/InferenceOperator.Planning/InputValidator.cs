using System.Globalization;

namespace InferenceOperator.Planning;

/// <summary>Checks inputs field by field so bad input becomes a named reason instead of an exception or a NaN.</summary>
internal static class InputValidator
{
    /// <summary>Upper bound on magnitudes, far above any real device or model, that keeps every derived figure finite.</summary>
    internal const double MaxMagnitude = 1e15;

    public static void ValidateModel(ModelProfile? model, List<InputError> errors)
    {
        if (model is null)
        {
            errors.Add(new("model", "missing"));
            return;
        }

        Positive(errors, "model.flopsPerInference", model.FlopsPerInference, 1e18);
        NonNegative(errors, "model.activationBytesPerItem", model.ActivationBytesPerItem, MaxMagnitude);
        if (model.WeightBytes is { } wb)
        {
            NonNegative(errors, "model.weightBytes.fp32", wb.Fp32, MaxMagnitude);
            NonNegative(errors, "model.weightBytes.fp16", wb.Fp16, MaxMagnitude);
            NonNegative(errors, "model.weightBytes.int8", wb.Int8, MaxMagnitude);
            NonNegative(errors, "model.weightBytes.int4", wb.Int4, MaxMagnitude);
        }

        var allWeightsGiven = model.WeightBytes is { Fp32: > 0, Fp16: > 0, Int8: > 0, Int4: > 0 };
        if (allWeightsGiven)
        {
            NonNegative(errors, "model.parameters", model.Parameters, MaxMagnitude);
        }
        else
        {
            Positive(errors, "model.parameters", model.Parameters, MaxMagnitude);
        }

        if (model.Measurements is null)
        {
            return;
        }

        Span<bool> seen = stackalloc bool[4];
        for (var i = 0; i < model.Measurements.Count; i++)
        {
            var m = model.Measurements[i];
            if (m is null)
            {
                errors.Add(new(string.Create(CultureInfo.InvariantCulture, $"model.measurements[{i}]"), "missing"));
                continue;
            }

            var prefix = "model.measurements[" + Fmt.Name(m.Precision) + "]";
            if ((int)m.Precision is < 0 or > 3)
            {
                errors.Add(new(string.Create(CultureInfo.InvariantCulture, $"model.measurements[{i}].precision"), "unknown precision"));
                continue;
            }

            if (seen[(int)m.Precision])
            {
                errors.Add(new(prefix, "measured twice; give one entry per precision"));
            }

            seen[(int)m.Precision] = true;
            if (m.Quality is { } q)
            {
                Range(errors, prefix + ".quality.cosineMean", q.CosineMean, -1, 1);
                if (q.CosineMin is { } cmin)
                {
                    Range(errors, prefix + ".quality.cosineMin", cmin, -1, 1);
                }

                if (q.Top1Agreement is { } t)
                {
                    Range(errors, prefix + ".quality.top1Agreement", t, 0, 1);
                }
            }

            if (m.Cpu is { } c)
            {
                Positive(errors, prefix + ".cpu.inferencesPerSecondBatch1", c.InferencesPerSecondBatch1, MaxMagnitude);
                NonNegative(errors, prefix + ".cpu.inferencesPerSecondBatch8", c.InferencesPerSecondBatch8, MaxMagnitude);
                NonNegative(errors, prefix + ".cpu.p50LatencyMsBatch1", c.P50LatencyMsBatch1, MaxMagnitude);
                if (c.VCpus < 0)
                {
                    errors.Add(new(prefix + ".cpu.vCpus", string.Create(CultureInfo.InvariantCulture, $"must be >= 0 (got {c.VCpus})")));
                }
            }
        }
    }

    public static void ValidateSlo(Slo? slo, List<InputError> errors)
    {
        if (slo is null)
        {
            errors.Add(new("slo", "missing"));
            return;
        }

        Positive(errors, "slo.latencyP95Ms", slo.LatencyP95Ms, 1e9);
        Positive(errors, "slo.throughputRps", slo.ThroughputRps, 1e9);
        AtLeastWhenPositive(errors, "slo.latencyP95Ms", slo.LatencyP95Ms, MinSloFigure);
        AtLeastWhenPositive(errors, "slo.throughputRps", slo.ThroughputRps, MinSloFigure);
        if (slo.MinReplicas < 0 || slo.MinReplicas > Planner.ReplicaLimit)
        {
            errors.Add(new("slo.minReplicas", string.Create(CultureInfo.InvariantCulture, $"must be between 0 and {Planner.ReplicaLimit} (got {slo.MinReplicas})")));
        }
    }

    public static void ValidatePolicy(Policy? policy, List<InputError> errors)
    {
        if (policy is null)
        {
            errors.Add(new("policy", "missing"));
            return;
        }

        if (!Enum.IsDefined(policy.Objective))
        {
            errors.Add(new("policy.objective", string.Create(CultureInfo.InvariantCulture, $"unknown objective {(int)policy.Objective}")));
        }

        if (policy.Budgets is { MaxCostPerHour: { } maxCost })
        {
            Positive(errors, "policy.budgets.maxCostPerHour", maxCost, MaxMagnitude);
        }

        if (policy.Budgets is { MaxPowerWatts: { } maxPower })
        {
            Positive(errors, "policy.budgets.maxPowerWatts", maxPower, MaxMagnitude);
        }

        if (policy.Quality is { MinCosineSimilarity: { } minCos })
        {
            Range(errors, "policy.quality.minCosineSimilarity", minCos, -1, 1);
        }

        if (policy.Quality is { MaxTop1Disagreement: { } maxDis })
        {
            Range(errors, "policy.quality.maxTop1Disagreement", maxDis, 0, 1);
        }

        NonNegative(errors, "policy.carbonIntensityGramsPerKwh", policy.CarbonIntensityGramsPerKwh, 1e6);
        NonNegative(errors, "policy.electricityPricePerKwh", policy.ElectricityPricePerKwh, 1e6);
        NonNegative(errors, "policy.headroomPercent", policy.HeadroomPercent, 1000);
        if (policy.Objective == Objective.Balanced)
        {
            var w = policy.Weights;
            if (w is null)
            {
                errors.Add(new("policy.weights", "missing for the balanced objective"));
            }
            else
            {
                var before = errors.Count;
                NonNegative(errors, "policy.weights.cost", w.Cost, 1e6);
                NonNegative(errors, "policy.weights.energy", w.Energy, 1e6);
                NonNegative(errors, "policy.weights.carbon", w.Carbon, 1e6);
                NonNegative(errors, "policy.weights.latency", w.Latency, 1e6);
                if (errors.Count == before && w.Cost + w.Energy + w.Carbon + w.Latency <= 0)
                {
                    errors.Add(new("policy.weights", "all zero; give at least one positive weight for the balanced objective"));
                }
            }
        }

        if (policy.AllowedPrecisions is { Count: 0 })
        {
            errors.Add(new("policy.allowedPrecisions", "empty: the policy allows no precision"));
        }
    }

    public static void ValidateOverrides(Overrides overrides, List<InputError> errors)
    {
        if (overrides.MaxBatchSize is { } mb && (mb < 1 || mb > 65536))
        {
            errors.Add(new("overrides.maxBatchSize", string.Create(CultureInfo.InvariantCulture, $"must be between 1 and 65536 (got {mb})")));
        }

        if (overrides.MaxQueueDelayMs is { } qd)
        {
            NonNegative(errors, "overrides.maxQueueDelayMs", qd, 1e9);
        }

        if (overrides.Precision is { } p && !Enum.IsDefined(p))
        {
            errors.Add(new("overrides.precision", string.Create(CultureInfo.InvariantCulture, $"unknown precision {(int)p}")));
        }
    }

    /// <summary>The first problem with a catalog entry, field-named, or null when it is usable.</summary>
    public static string? CatalogEntryProblem(AcceleratorProfile a, string name)
    {
        if (IsUsable(a))
        {
            return null;
        }

        var field = "catalog[" + name + "]";
        var errors = new List<InputError>(1);
        Positive(errors, field + ".memoryGiB", a.MemoryGiB, 1e9);
        Positive(errors, field + ".memoryBandwidthGBps", a.MemoryBandwidthGBps, 1e9);
        if (a.PeakTflops is null)
        {
            errors.Add(new(field + ".peakTflops", "missing"));
        }
        else
        {
            Positive(errors, field + ".peakTflops.fp32", a.PeakTflops.Fp32, 1e9);
            NonNegative(errors, field + ".peakTflops.fp16", a.PeakTflops.Fp16, 1e9);
            NonNegative(errors, field + ".peakTflops.int8", a.PeakTflops.Int8, 1e9);
            NonNegative(errors, field + ".peakTflops.int4", a.PeakTflops.Int4, 1e9);
        }

        Positive(errors, field + ".boardPowerWatts", a.BoardPowerWatts, 1e9);
        Range(errors, field + ".idlePowerWatts", a.IdlePowerWatts, 0, a.BoardPowerWatts > 0 ? a.BoardPowerWatts : 0);
        Positive(errors, field + ".pricePerHour", a.PricePerHour, 1e9);
        if (a.ComputeEfficiency is null)
        {
            errors.Add(new(field + ".computeEfficiency", "missing"));
        }
        else
        {
            // Only precisions with a native path are ever computed at, so only their efficiency must be usable.
            foreach (var p in (ReadOnlySpan<Precision>)[Precision.Fp32, Precision.Fp16, Precision.Int8, Precision.Int4])
            {
                if (a.PeakTflops is null || a.PeakTflops.For(p) > 0)
                {
                    Fraction(errors, field + ".computeEfficiency." + Fmt.Name(p), a.ComputeEfficiency.For(p));
                }
            }
        }

        Fraction(errors, field + ".bandwidthEfficiency", a.BandwidthEfficiency);
        NonNegative(errors, field + ".perBatchOverheadMs", a.PerBatchOverheadMs, 1e6);
        if (a.Kind == AcceleratorKind.Cpu && a.VCpus < 1)
        {
            errors.Add(new(field + ".vCpus", string.Create(CultureInfo.InvariantCulture, $"must be >= 1 for a CPU profile (got {a.VCpus})")));
        }

        return errors.Count == 0 ? field + ": invalid" : errors[0].ToString();
    }

    /// <summary>The allocation-free check of every rule <see cref="CatalogEntryProblem"/> reports on.</summary>
    private static bool IsUsable(AcceleratorProfile a) =>
        PositiveOk(a.MemoryGiB, 1e9)
        && PositiveOk(a.MemoryBandwidthGBps, 1e9)
        && a.PeakTflops is { } peak
        && PositiveOk(peak.Fp32, 1e9) && NonNegativeOk(peak.Fp16, 1e9) && NonNegativeOk(peak.Int8, 1e9) && NonNegativeOk(peak.Int4, 1e9)
        && PositiveOk(a.BoardPowerWatts, 1e9)
        && RangeOk(a.IdlePowerWatts, 0, a.BoardPowerWatts)
        && PositiveOk(a.PricePerHour, 1e9)
        && a.ComputeEfficiency is { } eff
        && FractionOk(eff.Fp32)
        && (peak.Fp16 == 0 || FractionOk(eff.Fp16)) && (peak.Int8 == 0 || FractionOk(eff.Int8)) && (peak.Int4 == 0 || FractionOk(eff.Int4))
        && FractionOk(a.BandwidthEfficiency)
        && NonNegativeOk(a.PerBatchOverheadMs, 1e6)
        && (a.Kind != AcceleratorKind.Cpu || a.VCpus >= 1);

    private static bool PositiveOk(double value, double max) => double.IsFinite(value) && value > 0 && value <= max;

    private static bool NonNegativeOk(double value, double max) => double.IsFinite(value) && value >= 0 && value <= max;

    private static bool RangeOk(double value, double min, double max) => double.IsFinite(value) && value >= min && value <= max;

    private static bool FractionOk(double value) => double.IsFinite(value) && value > 0 && value <= 1;

    private static void Positive(List<InputError> errors, string field, double value, double max)
    {
        if (!PositiveOk(value, max))
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"must be > 0 and <= {Fmt.Num(max)} (got {Show(value)})")));
        }
    }

    /// <summary>Smallest SLO latency (ms) and rate (rps) accepted: below it per-inference figures would overflow.</summary>
    internal const double MinSloFigure = 1e-6;

    private static void AtLeastWhenPositive(List<InputError> errors, string field, double value, double min)
    {
        if (PositiveOk(value, double.MaxValue) && value < min)
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"must be >= {min:0.######} (got {value:G3})")));
        }
    }

    private static void NonNegative(List<InputError> errors, string field, double value, double max)
    {
        if (!NonNegativeOk(value, max))
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"must be >= 0 and <= {Fmt.Num(max)} (got {Show(value)})")));
        }
    }

    private static void Range(List<InputError> errors, string field, double value, double min, double max)
    {
        if (!RangeOk(value, min, max))
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"must be between {Fmt.Num(min)} and {Fmt.Num(max)} (got {Show(value)})")));
        }
    }

    private static void Fraction(List<InputError> errors, string field, double value)
    {
        if (!FractionOk(value))
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"must be in (0, 1] (got {Show(value)})")));
        }
    }

    private static string Show(double value) => double.IsFinite(value) ? Fmt.Num(value) : value.ToString(CultureInfo.InvariantCulture);
}
