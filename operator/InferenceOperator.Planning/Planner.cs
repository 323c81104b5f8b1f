using System.Buffers;
using System.Globalization;

namespace InferenceOperator.Planning;

/// <summary>
/// Chooses accelerator, precision, batch limits and replicas for one inference service. Pure and
/// deterministic: the same inputs give the same plan; no I/O; thread-safe (one instance can serve all callers).
/// Bad input never throws: it yields an infeasible plan whose reasons name the field.
/// </summary>
public sealed class Planner
{
    /// <summary>Largest batch size searched when no override pins one: 1, 2, 4, ..., 128 (eight sizes).</summary>
    public const int DefaultMaxSearchBatchSize = 128;

    /// <summary>A candidate needing more replicas than this is rejected.</summary>
    public const int ReplicaLimit = 10_000;

    /// <summary>Hours in a month for <see cref="Plan.SavingsPerMonth"/>.</summary>
    public const double HoursPerMonth = 730;

    private static readonly Precision[] AllPrecisions = [Precision.Fp32, Precision.Fp16, Precision.Int8, Precision.Int4];

    private readonly int[] searchBatchSizes;

    public Planner()
        : this(DefaultMaxSearchBatchSize)
    {
    }

    /// <param name="maxSearchBatchSize">Largest batch size searched (powers of two from 1 up to it).</param>
    public Planner(int maxSearchBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSearchBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSearchBatchSize, 65536);
        var sizes = new List<int>();
        for (var b = 1; b <= maxSearchBatchSize; b *= 2)
        {
            sizes.Add(b);
        }

        searchBatchSizes = [.. sizes];
    }

    /// <summary>Batch sizes searched when no override pins one.</summary>
    public IReadOnlyList<int> SearchBatchSizes => searchBatchSizes;

    /// <summary>Plan one service. Never throws for bad input; see <see cref="Plan.InputErrors"/> and <see cref="Plan.Rejections"/>.</summary>
    public Plan Plan(ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog, Overrides? overrides = null)
    {
        overrides ??= Overrides.None;
        var objective = policy is not null && Enum.IsDefined(policy.Objective) ? policy.Objective : Objective.Cost;
        var errors = new List<InputError>();
        InputValidator.ValidateModel(model, errors);
        InputValidator.ValidateSlo(slo, errors);
        InputValidator.ValidatePolicy(policy, errors);
        InputValidator.ValidateOverrides(overrides, errors);
        if (catalog is null || catalog.Count == 0)
        {
            errors.Add(new("catalog", "empty: add at least one AcceleratorProfile"));
        }
        else if (overrides.Accelerator is { } pinned && IndexOf(catalog, pinned) < 0)
        {
            errors.Add(new("overrides.accelerator", "'" + pinned + "' is not in the catalog"));
        }

        if (errors.Count > 0)
        {
            return new Plan
            {
                IsFeasible = false,
                Objective = objective,
                Slo = slo,
                InputErrors = errors,
                BindingConstraint = errors[0].Field == "catalog" ? ConstraintKind.Catalog : ConstraintKind.InvalidInput,
                BindingReason = errors.Count == 1 ? errors[0].ToString() : string.Join("; ", errors),
            };
        }

        return new Search(this, model!, slo!, policy!, catalog!, overrides).Run();
    }

    private static int IndexOf(IReadOnlyList<AcceleratorProfile> catalog, string name)
    {
        for (var i = 0; i < catalog.Count; i++)
        {
            if (catalog[i] is not null && string.Equals(catalog[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Per-precision facts resolved once per plan.</summary>
    private struct PrecisionFacts
    {
        public bool Admitted;
        public double WeightBytes;
        public QualitySource Quality;
        public double? Cosine;
        public CpuThroughputMeasurement? Cpu;
    }

    /// <summary>One plan's search state. Evaluations live in a pooled array so the hot loop allocates nothing.</summary>
    private sealed class Search(Planner planner, ModelProfile model, Slo slo, Policy policy, IReadOnlyList<AcceleratorProfile> catalog, Overrides overrides)
    {
        private readonly List<Rejection> rejections = [];
        private readonly PrecisionFacts[] facts = new PrecisionFacts[4];
        private readonly bool[] acceleratorAdmitted = new bool[catalog.Count];
        private int acceleratorRejections;
        private int precisionRejections;

        public Plan Run()
        {
            var context = new PlanContext
            {
                PeakRps = slo.ThroughputRps,
                SloMs = slo.LatencyP95Ms,
                HeadroomFactor = 1.0 + (policy.HeadroomPercent / 100.0),
                MinReplicas = Math.Max(1, slo.MinReplicas),
                ElectricityPricePerKwh = policy.ElectricityPricePerKwh,
                CarbonIntensity = policy.CarbonIntensityGramsPerKwh,
                MaxCostPerHour = policy.Budgets?.MaxCostPerHour ?? double.PositiveInfinity,
                MaxPowerWatts = policy.Budgets?.MaxPowerWatts ?? double.PositiveInfinity,
                PinnedQueueDelayMs = overrides.MaxQueueDelayMs ?? -1,
            };

            var admittedAccelerators = GateAccelerators();
            acceleratorRejections = rejections.Count;
            var admittedPrecisions = GatePrecisions();
            precisionRejections = rejections.Count - acceleratorRejections;
            Span<int> pinnedBatch = [overrides.MaxBatchSize ?? 0];
            ReadOnlySpan<int> batches = overrides.MaxBatchSize is null ? planner.searchBatchSizes : pinnedBatch;
            var families = catalog.Count * 4;
            var capacity = Math.Max(1, admittedAccelerators * admittedPrecisions * batches.Length);
            var evaluations = ArrayPool<Evaluation>.Shared.Rent(capacity);
            var bestFeasible = ArrayPool<int>.Shared.Rent(families);
            var bestInfeasible = ArrayPool<int>.Shared.Rent(families);
            try
            {
                var count = Evaluate(evaluations, in context, batches);
                Score(evaluations.AsSpan(0, count), in context);
                PickFamilyBests(evaluations, count, bestFeasible.AsSpan(0, families), bestInfeasible.AsSpan(0, families));
                return Assemble(evaluations, count, bestFeasible.AsSpan(0, families), bestInfeasible.AsSpan(0, families), in context);
            }
            finally
            {
                ArrayPool<Evaluation>.Shared.Return(evaluations);
                ArrayPool<int>.Shared.Return(bestFeasible);
                ArrayPool<int>.Shared.Return(bestInfeasible);
            }
        }

        private int GateAccelerators()
        {
            var allowed = policy.AllowedAccelerators;
            var filterByPolicy = allowed is { Count: > 0 };
            var admitted = 0;
            for (var i = 0; i < catalog.Count; i++)
            {
                var a = catalog[i];
                if (a is null || string.IsNullOrEmpty(a.Name))
                {
                    var field = "catalog[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                    Reject(field, ConstraintKind.Catalog, a is null ? field + ": missing" : field + ".name: required");
                    continue;
                }

                if (IndexOf(catalog, a.Name) != i)
                {
                    Reject(a.Name, ConstraintKind.Catalog, "catalog[" + a.Name + "]: duplicate name, the first entry is used");
                    continue;
                }

                if (InputValidator.CatalogEntryProblem(a, a.Name) is { } problem)
                {
                    Reject(a.Name, ConstraintKind.Catalog, problem);
                    continue;
                }

                if (filterByPolicy && !Contains(allowed!, a.Name))
                {
                    Reject(a.Name, ConstraintKind.PolicyFilter, "not in policy.allowedAccelerators");
                    continue;
                }

                if (overrides.Accelerator is { } pinned && !string.Equals(pinned, a.Name, StringComparison.Ordinal))
                {
                    Reject(a.Name, ConstraintKind.Override, "overrides.accelerator pins " + pinned);
                    continue;
                }

                acceleratorAdmitted[i] = true;
                admitted++;
            }

            return admitted;
        }

        private int GatePrecisions()
        {
            var admitted = 0;
            var quality = policy.Quality ?? new QualityThresholds();
            foreach (var p in AllPrecisions)
            {
                ref var f = ref facts[(int)p];
                var measurement = model.MeasurementFor(p);
                f.WeightBytes = model.WeightBytesFor(p);
                f.Cpu = measurement?.Cpu;
                f.Cosine = measurement?.Quality?.CosineMean;
                var name = Fmt.Name(p);
                if (policy.AllowedPrecisions is { } allowedPrecisions && !Contains(allowedPrecisions, p))
                {
                    Reject(name, ConstraintKind.PolicyFilter, "not in policy.allowedPrecisions");
                    continue;
                }

                if (overrides.Precision is { } pinned && pinned != p)
                {
                    Reject(name, ConstraintKind.Override, "overrides.precision pins " + Fmt.Name(pinned));
                    continue;
                }

                if (p == Precision.Fp32)
                {
                    f.Quality = QualitySource.Reference;
                }
                else if (measurement?.Quality is { } q)
                {
                    if (quality.MinCosineSimilarity is { } minCos && q.CosineMean < minCos)
                    {
                        Reject(name, ConstraintKind.Quality, "cosine " + Fmt.Ratio(q.CosineMean) + " < " + Fmt.Ratio(minCos) + " (policy.quality.minCosineSimilarity)");
                        continue;
                    }

                    if (quality.MaxTop1Disagreement is { } maxDis && q.Top1Agreement is { } agree && 1.0 - agree > maxDis)
                    {
                        Reject(name, ConstraintKind.Quality, "top-1 disagreement " + Fmt.Ratio(1.0 - agree) + " > " + Fmt.Ratio(maxDis) + " (policy.quality.maxTop1Disagreement)");
                        continue;
                    }

                    f.Quality = QualitySource.Measured;
                }
                else if (policy.AllowUnmeasuredPrecisions)
                {
                    f.Quality = QualitySource.Unmeasured;
                }
                else
                {
                    Reject(name, ConstraintKind.Quality, "accuracy not measured (policy.allowUnmeasuredPrecisions is false)");
                    continue;
                }

                f.Admitted = true;
                admitted++;
            }

            return admitted;
        }

        private int Evaluate(Evaluation[] evaluations, in PlanContext context, ReadOnlySpan<int> batches)
        {
            var count = 0;
            for (var i = 0; i < catalog.Count; i++)
            {
                if (!acceleratorAdmitted[i])
                {
                    continue;
                }

                var a = catalog[i];
                for (var p = 0; p < 4; p++)
                {
                    ref readonly var f = ref facts[p];
                    if (!f.Admitted)
                    {
                        continue;
                    }

                    var family = Estimator.Prepare(a, i, model, f.WeightBytes, f.Cpu, (Precision)p);
                    for (var b = 0; b < batches.Length; b++)
                    {
                        Estimator.Evaluate(ref evaluations[count], in family, in context, batches[b]);
                        count++;
                    }
                }
            }

            return count;
        }

        private void Score(Span<Evaluation> evaluations, in PlanContext context)
        {
            if (policy.Objective is Objective.Carbon or Objective.Balanced)
            {
                foreach (ref var e in evaluations)
                {
                    e.Co2Per1k = Estimator.Co2Per1k(in e, in context);
                }
            }

            switch (policy.Objective)
            {
                case Objective.Cost:
                    foreach (ref var e in evaluations)
                    {
                        e.Score = e.CostPerHour;
                    }

                    break;
                case Objective.Energy:
                    foreach (ref var e in evaluations)
                    {
                        e.Score = e.Watts;
                    }

                    break;
                case Objective.Carbon:
                    foreach (ref var e in evaluations)
                    {
                        e.Score = e.Co2Per1k;
                    }

                    break;
                case Objective.Latency:
                    foreach (ref var e in evaluations)
                    {
                        e.Score = e.P95Ms;
                    }

                    break;
                default:
                    ScoreBalanced(evaluations);
                    break;
            }
        }

        /// <summary>Balanced: sum of weight x figure / best feasible figure; a term whose best figure is zero contributes nothing.</summary>
        private void ScoreBalanced(Span<Evaluation> evaluations)
        {
            double minCost = double.MaxValue, minWatts = double.MaxValue, minCo2 = double.MaxValue, minP95 = double.MaxValue;
            foreach (ref readonly var e in evaluations)
            {
                if (!e.IsFeasible)
                {
                    continue;
                }

                minCost = Math.Min(minCost, e.CostPerHour);
                minWatts = Math.Min(minWatts, e.Watts);
                minCo2 = Math.Min(minCo2, e.Co2Per1k);
                minP95 = Math.Min(minP95, e.P95Ms);
            }

            var w = policy.Weights;
            foreach (ref var e in evaluations)
            {
                e.Score = Term(w.Cost, e.CostPerHour, minCost) + Term(w.Energy, e.Watts, minWatts)
                    + Term(w.Carbon, e.Co2Per1k, minCo2) + Term(w.Latency, e.P95Ms, minP95);
            }
        }

        private static double Term(double weight, double value, double best) =>
            weight > 0 && best > 0 && best < double.MaxValue ? weight * (value / best) : 0;

        private void PickFamilyBests(Evaluation[] evaluations, int count, Span<int> bestFeasible, Span<int> bestInfeasible)
        {
            bestFeasible.Fill(-1);
            bestInfeasible.Fill(-1);
            for (var k = 0; k < count; k++)
            {
                ref readonly var e = ref evaluations[k];
                var family = (e.AcceleratorIndex * 4) + (int)e.Precision;
                if (e.IsFeasible)
                {
                    var current = bestFeasible[family];
                    if (current < 0 || CompareFeasible(in e, in evaluations[current]) < 0)
                    {
                        bestFeasible[family] = k;
                    }
                }
                else
                {
                    var current = bestInfeasible[family];
                    if (current < 0 || CompareInfeasible(in e, in evaluations[current]) < 0)
                    {
                        bestInfeasible[family] = k;
                    }
                }
            }
        }

        /// <summary>Objective, then $/h, watts, p95, accelerator name (ordinal), precision (wider first), batch (smaller first).</summary>
        private int CompareFeasible(in Evaluation x, in Evaluation y)
        {
            var c = x.Score.CompareTo(y.Score);
            return c != 0 ? c : CompareTieBreak(in x, in y);
        }

        /// <summary>Smallest relative violation first, then the feasible tie-break chain without the objective.</summary>
        private int CompareInfeasible(in Evaluation x, in Evaluation y)
        {
            var c = x.Violation.CompareTo(y.Violation);
            return c != 0 ? c : CompareTieBreak(in x, in y);
        }

        private int CompareTieBreak(in Evaluation x, in Evaluation y)
        {
            var c = x.CostPerHour.CompareTo(y.CostPerHour);
            if (c != 0)
            {
                return c;
            }

            c = x.Watts.CompareTo(y.Watts);
            if (c != 0)
            {
                return c;
            }

            c = x.P95Ms.CompareTo(y.P95Ms);
            if (c != 0)
            {
                return c;
            }

            if (x.AcceleratorIndex != y.AcceleratorIndex)
            {
                return string.CompareOrdinal(catalog[x.AcceleratorIndex].Name, catalog[y.AcceleratorIndex].Name);
            }

            c = x.Precision.CompareTo(y.Precision);
            return c != 0 ? c : x.Batch.CompareTo(y.Batch);
        }

        private Plan Assemble(Evaluation[] evaluations, int count, Span<int> bestFeasible, Span<int> bestInfeasible, in PlanContext context)
        {
            // Rank feasible families (at most catalog x 4, small): insertion sort of their best candidates.
            var ranked = new int[bestFeasible.Length];
            var rankedCount = 0;
            for (var f = 0; f < bestFeasible.Length; f++)
            {
                var k = bestFeasible[f];
                if (k < 0)
                {
                    continue;
                }

                var at = rankedCount++;
                while (at > 0 && CompareFeasible(in evaluations[k], in evaluations[ranked[at - 1]]) < 0)
                {
                    ranked[at] = ranked[at - 1];
                    at--;
                }

                ranked[at] = k;
            }

            // Families with no feasible batch size: the reason of their closest candidate. When every precision of an
            // accelerator fails on the same constraint, one line for the accelerator says it ("nvidia-h100: $7.00/h > budget $5.00/h").
            var closest = -1;
            for (var a = 0; a < catalog.Count; a++)
            {
                int evaluated = 0, failed = 0, accClosest = -1;
                var sameKind = true;
                for (var f = a * 4; f < (a * 4) + 4; f++)
                {
                    var k = bestInfeasible[f];
                    if (bestFeasible[f] >= 0)
                    {
                        evaluated++;
                        continue;
                    }

                    if (k < 0)
                    {
                        continue;
                    }

                    evaluated++;
                    failed++;
                    if (accClosest >= 0)
                    {
                        sameKind &= evaluations[k].Failure == evaluations[accClosest].Failure;
                    }

                    if (accClosest < 0 || CompareInfeasible(in evaluations[k], in evaluations[accClosest]) < 0)
                    {
                        accClosest = k;
                    }
                }

                if (failed == 0)
                {
                    continue;
                }

                if (failed >= 2 && failed == evaluated && sameKind)
                {
                    ref readonly var e = ref evaluations[accClosest];
                    var reason = Reason(in e, in context) + " (closest of " + Fmt.Int(failed) + " precisions: " + Fmt.Name(e.Precision) + ")";
                    rejections.Add(new(catalog[a].Name, e.Failure, reason));
                }
                else
                {
                    for (var f = a * 4; f < (a * 4) + 4; f++)
                    {
                        var k = bestInfeasible[f];
                        if (k >= 0 && bestFeasible[f] < 0)
                        {
                            ref readonly var e = ref evaluations[k];
                            rejections.Add(new(FamilyName(in e), e.Failure, Reason(in e, in context)));
                        }
                    }
                }

                if (closest < 0 || CompareInfeasible(in evaluations[accClosest], in evaluations[closest]) < 0)
                {
                    closest = accClosest;
                }
            }

            var (baseline, baselineNote) = EvaluateBaseline(in context);
            if (rankedCount == 0)
            {
                return Infeasible(evaluations, count, closest, baseline, baselineNote, in context);
            }

            ref readonly var chosenEval = ref evaluations[ranked[0]];
            var chosen = ToCandidate(in chosenEval, in context);
            var alternatives = new List<Alternative>(Math.Min(5, rankedCount - 1));
            for (var r = 1; r < rankedCount && alternatives.Count < 5; r++)
            {
                ref readonly var alt = ref evaluations[ranked[r]];
                alternatives.Add(new(ToCandidate(in alt, in context), LostBecause(in alt, in chosenEval)));
            }

            if (baseline is not null && baseline.PredictedP95Ms > context.SloMs)
            {
                baselineNote = "baseline " + baseline.Accelerator + "/fp32 batch 1 misses the SLO: p95 " + Fmt.Ms(baseline.PredictedP95Ms) + " ms > " + Fmt.Ms(context.SloMs) + " ms";
            }

            var savingsPerHour = baseline is null ? 0 : baseline.CostPerHour - chosen.CostPerHour;
            return new Plan
            {
                IsFeasible = true,
                Objective = policy.Objective,
                Slo = slo,
                Chosen = chosen,
                Alternatives = alternatives,
                Rejections = rejections,
                Baseline = baseline,
                BaselineNote = baselineNote,
                SavingsPercent = baseline is null ? 0 : savingsPerHour / baseline.CostPerHour * 100.0,
                SavingsPerMonth = savingsPerHour * HoursPerMonth,
                CandidatesEvaluated = count,
            };
        }

        private Plan Infeasible(Evaluation[] evaluations, int count, int closest, Candidate? baseline, string? baselineNote, in PlanContext context)
        {
            ConstraintKind binding;
            string reason;
            Candidate? closestCandidate = null;
            if (closest >= 0)
            {
                ref readonly var e = ref evaluations[closest];
                binding = e.Failure;
                reason = "closest candidate " + FamilyName(in e) + " batch " + e.Batch.ToString(CultureInfo.InvariantCulture) + ": " + Reason(in e, in context);
                closestCandidate = ToCandidate(in e, in context);
            }
            else if (acceleratorRejections > 0 && !AnyAdmitted(acceleratorAdmitted))
            {
                binding = GateBinding(0, acceleratorRejections, overrides.Accelerator);
                reason = "no accelerator left: " + JoinRejections(isPrecision: false);
            }
            else
            {
                binding = GateBinding(acceleratorRejections, precisionRejections, overrides.Precision is { } p ? Fmt.Name(p) : null);
                reason = "no precision left: " + JoinRejections(isPrecision: true);
            }

            return new Plan
            {
                IsFeasible = false,
                Objective = policy.Objective,
                Slo = slo,
                Rejections = rejections,
                Baseline = baseline,
                BaselineNote = baselineNote,
                BindingConstraint = binding,
                BindingReason = reason,
                Closest = closestCandidate,
                CandidatesEvaluated = count,
            };
        }

        private (Candidate? Baseline, string? Note) EvaluateBaseline(in PlanContext context)
        {
            var name = policy.BaselineAccelerator;
            var index = string.IsNullOrEmpty(name) ? -1 : IndexOf(catalog, name);
            if (index < 0)
            {
                return (null, "policy.baselineAccelerator: '" + name + "' is not in the catalog; no savings computed");
            }

            var a = catalog[index];
            if (InputValidator.CatalogEntryProblem(a, name) is { } problem)
            {
                return (null, "policy.baselineAccelerator: " + problem);
            }

            // Naive choice: fp32, batch 1, no queueing, same SLO and peak rate, no budgets.
            var naive = context with { MaxCostPerHour = double.PositiveInfinity, MaxPowerWatts = double.PositiveInfinity, PinnedQueueDelayMs = 0 };
            var e = default(Evaluation);
            ref readonly var f = ref facts[(int)Precision.Fp32];
            var family = Estimator.Prepare(a, index, model, f.WeightBytes, f.Cpu, Precision.Fp32);
            Estimator.Evaluate(ref e, in family, in naive, 1);
            if (e.Failure == ConstraintKind.Catalog || e.MemoryBytes > family.MemoryCapacityBytes || e.ReplicasNeeded > ReplicaLimit)
            {
                // Name the physical limit even when the SLO is missed by more: the baseline cannot run at all.
                e.Failure = e.Failure == ConstraintKind.Catalog ? ConstraintKind.Catalog
                    : e.MemoryBytes > family.MemoryCapacityBytes ? ConstraintKind.Memory
                    : ConstraintKind.Replicas;
                return (null, "baseline " + name + "/fp32 batch 1 is not possible: " + Reason(in e, in naive));
            }

            return (ToCandidate(in e, in naive), null);
        }

        private Candidate ToCandidate(in Evaluation e, in PlanContext context)
        {
            var a = catalog[e.AcceleratorIndex];
            ref readonly var f = ref facts[(int)e.Precision];
            return new Candidate
            {
                Accelerator = a.Name,
                Kind = a.Kind,
                ExecutionProvider = a.ExecutionProvider ?? "",
                Precision = e.Precision,
                ComputePrecision = e.ComputePrecision,
                MaxBatchSize = e.Batch,
                MaxQueueDelayMs = e.QueueMs,
                Replicas = e.Replicas,
                BatchTimeMs = e.BatchMs,
                PredictedP95Ms = e.P95Ms,
                ThroughputPerReplicaRps = e.ThroughputPerReplica,
                Utilization = e.Utilization,
                MemoryRequiredGiB = e.MemoryBytes / Estimator.BytesPerGiB,
                CostPerHour = e.CostPerHour,
                CostPerMillionInferences = Finite(Estimator.CostPerMillion(in e, in context)),
                AverageWatts = e.Watts,
                WattHoursPer1kInferences = Finite(Estimator.WhPer1k(in e, in context)),
                GramsCo2ePer1kInferences = Finite(Estimator.Co2Per1k(in e, in context)),
                ThroughputSource = e.Source,
                QualitySource = f.Quality,
                CosineMean = e.Precision == Precision.Fp32 ? null : f.Cosine,
            };
        }

        /// <summary>Validated inputs keep these finite; this is the last guard that no infinity or NaN reaches a plan.</summary>
        private static double Finite(double value) => double.IsFinite(value) ? value : 0;

        private string FamilyName(in Evaluation e) => catalog[e.AcceleratorIndex].Name + "/" + Fmt.Name(e.Precision);

        private string Reason(in Evaluation e, in PlanContext context)
        {
            var a = catalog[e.AcceleratorIndex];
            return e.Failure switch
            {
                ConstraintKind.Memory => "needs " + Fmt.Num(e.MemoryBytes / Estimator.BytesPerGiB) + " GiB > " + Fmt.Num(a.MemoryGiB) + " GiB memory at batch " + Fmt.Int(e.Batch),
                ConstraintKind.Latency => "p95 " + Fmt.Ms(e.P95Ms) + " ms > SLO " + Fmt.Ms(context.SloMs) + " ms",
                ConstraintKind.Replicas => "needs " + Fmt.Num(e.ReplicasNeeded) + " replicas > limit " + Fmt.Int(ReplicaLimit),
                ConstraintKind.CostBudget => Fmt.Usd(e.CostPerHour) + "/h > budget " + Fmt.Usd(context.MaxCostPerHour) + "/h",
                ConstraintKind.PowerBudget => Fmt.Num(e.Watts) + " W > budget " + Fmt.Num(context.MaxPowerWatts) + " W",
                ConstraintKind.Catalog => "estimate out of range; check catalog[" + a.Name + "] and model figures",
                _ => "rejected",
            };
        }

        private string LostBecause(in Evaluation alt, in Evaluation chosen)
        {
            if (alt.Score != chosen.Score)
            {
                return policy.Objective switch
                {
                    Objective.Cost => Fmt.Usd(alt.CostPerHour) + "/h vs " + Fmt.Usd(chosen.CostPerHour) + "/h" + Percent(alt.CostPerHour, chosen.CostPerHour),
                    Objective.Energy => Fmt.Num(alt.Watts) + " W vs " + Fmt.Num(chosen.Watts) + " W" + Percent(alt.Watts, chosen.Watts),
                    Objective.Carbon => Fmt.Num(alt.Co2Per1k) + " gCO2e/1k vs " + Fmt.Num(chosen.Co2Per1k) + " gCO2e/1k" + Percent(alt.Co2Per1k, chosen.Co2Per1k),
                    Objective.Latency => "p95 " + Fmt.Ms(alt.P95Ms) + " ms vs " + Fmt.Ms(chosen.P95Ms) + " ms" + Percent(alt.P95Ms, chosen.P95Ms),
                    _ => "balanced score " + Fmt.Num(alt.Score) + " vs " + Fmt.Num(chosen.Score),
                };
            }

            return "tied on " + Fmt.Name(policy.Objective) + "; lost the tie-break ($/h, then watts, then p95, then name, precision, batch)";
        }

        private static string Percent(double value, double best) =>
            best > 0 ? " (+" + Fmt.Num((value - best) / best * 100.0) + "%)" : "";

        private void Reject(string subject, ConstraintKind kind, string reason) => rejections.Add(new(subject, kind, reason));

        /// <summary>
        /// Which gate emptied the candidate list: the pinned choice's own rejection when an override pins one (the others
        /// were excluded on purpose), else the deepest gate any entry reached (gates run catalog, policy, override, quality).
        /// </summary>
        private ConstraintKind GateBinding(int start, int length, string? pinned)
        {
            var deepest = ConstraintKind.None;
            for (var i = start; i < start + length; i++)
            {
                var r = rejections[i];
                if (pinned is not null && string.Equals(r.Subject, pinned, StringComparison.Ordinal))
                {
                    return r.Constraint;
                }

                deepest = r.Constraint > deepest ? r.Constraint : deepest;
            }

            return deepest == ConstraintKind.None ? ConstraintKind.PolicyFilter : deepest;
        }

        private string JoinRejections(bool isPrecision)
        {
            var start = isPrecision ? acceleratorRejections : 0;
            var length = isPrecision ? precisionRejections : acceleratorRejections;
            return string.Join("; ", rejections.GetRange(start, length));
        }

        private static bool AnyAdmitted(bool[] admitted)
        {
            foreach (var a in admitted)
            {
                if (a)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Contains<T>(IReadOnlyList<T> list, T value)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (EqualityComparer<T>.Default.Equals(list[i], value))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
