using System.Diagnostics;
using InferenceOperator.Planning;

namespace InferenceOperator.Bench.Planning;

/// <summary>
/// Planner speed and allocation for 10 profiles x 4 precisions x 8 batch sizes against a naive LINQ search in the
/// same run, then the issue's examples: planned $/1M inferences against the naive baseline (nvidia-h100, fp32, batch 1).
/// </summary>
public sealed class PlanningSuite : IBenchmarkSuite
{
    private const double TargetMicroseconds = 50;
    private const double TargetSavingsRatio = 5;
    private static object? sink;

    public string Name => "planning";

    public Task RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var catalog = DefaultCatalog.Create();
        var model = ExampleModels.MiniLm() with
        {
            Measurements =
            [
                new PrecisionMeasurement { Precision = Precision.Fp16, Quality = new QualityMeasurement { CosineMean = 0.9999 } },
                new PrecisionMeasurement { Precision = Precision.Int8, Quality = new QualityMeasurement { CosineMean = 0.995 } },
                new PrecisionMeasurement { Precision = Precision.Int4, Quality = new QualityMeasurement { CosineMean = 0.992 } },
            ],
        };
        var policy = new Policy { Objective = Objective.Cost };
        Slo[] slos =
        [
            new() { LatencyP95Ms = 100, ThroughputRps = 50 },
            new() { LatencyP95Ms = 100, ThroughputRps = 200 },
            new() { LatencyP95Ms = 50, ThroughputRps = 1000 },
            new() { LatencyP95Ms = 20, ThroughputRps = 5000 },
        ];
        var planner = new Planner();

        var agree = 0;
        var candidates = 0;
        foreach (var slo in slos)
        {
            var plan = planner.Plan(model, slo, policy, catalog);
            var naive = NaivePlanner.Plan(model, slo, policy, catalog);
            candidates = plan.CandidatesEvaluated;
            if (plan.Chosen is { } c && naive is not null && (c.Accelerator, c.Precision, c.MaxBatchSize) == (naive.Accelerator, naive.Precision, naive.Batch))
            {
                agree++;
            }
        }

        output.WriteLine(F($"workload: {catalog.Count} profiles x 4 precisions x {planner.SearchBatchSizes.Count} batch sizes = {candidates} candidates per plan, cost objective, {slos.Length} SLOs in rotation"));
        var fast = Measure(i => planner.Plan(model, slos[i & 3], policy, catalog), cancellationToken);
        var slow = Measure(i => NaivePlanner.Plan(model, slos[i & 3], policy, catalog), cancellationToken);
        output.WriteLine("                  CPU µs/plan   wall µs/plan (median)   allocated B/plan");
        output.WriteLine(F($"  planner      {fast.CpuMicroseconds,12:0.00}   {fast.WallMicroseconds,21:0.00}   {fast.Bytes,16:#,0}"));
        output.WriteLine(F($"  naive LINQ   {slow.CpuMicroseconds,12:0.00}   {slow.WallMicroseconds,21:0.00}   {slow.Bytes,16:#,0}"));
        output.WriteLine(F($"  ratio: planner {slow.CpuMicroseconds / fast.CpuMicroseconds:0.0}x less CPU ({slow.WallMicroseconds / fast.WallMicroseconds:0.0}x wall) and {slow.Bytes / fast.Bytes:0.0}x fewer bytes than naive; picks agree on {agree}/{slos.Length} SLOs"));
        output.WriteLine(F($"  target <= {TargetMicroseconds} µs/plan (CPU): {(fast.CpuMicroseconds <= TargetMicroseconds ? "PASS" : "FAIL")}; load average {LoadAverage()}"));

        output.WriteLine();
        output.WriteLine("examples: cost policy, p95 100 ms, default catalog, unmeasured precisions excluded; baseline nvidia-h100/fp32 batch 1, same SLO");
        string? explanation = null;
        foreach (var example in new[] { ExampleModels.MiniLm(), ExampleModels.ResNet18() })
        {
            foreach (var rps in new[] { 50.0, 100.0, 200.0 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var plan = planner.Plan(example, new Slo { LatencyP95Ms = 100, ThroughputRps = rps }, new Policy(), catalog);
                explanation ??= plan.Explain();
                if (plan is not { Chosen: { } c, Baseline: { } b })
                {
                    output.WriteLine(F($"  {example.Name,-9} @ {rps,3} rps: no comparison: {plan.Explain()}"));
                    continue;
                }

                var ratio = b.CostPerMillionInferences / c.CostPerMillionInferences;
                output.WriteLine(F($"  {example.Name,-9} @ {rps,3} rps: {c,-28} x{c.Replicas} p95 {c.PredictedP95Ms,5:0.0} ms  ${c.CostPerMillionInferences,7:0.000}/1M vs baseline ${b.CostPerMillionInferences,7:0.000}/1M = {ratio,5:0.0}x lower (target >= {TargetSavingsRatio}x: {(ratio >= TargetSavingsRatio ? "PASS" : "FAIL")})"));
            }
        }

        output.WriteLine();
        output.WriteLine("  " + explanation);
        return Task.CompletedTask;
    }

    /// <summary>
    /// µs per call, as process CPU time (what the planner costs, much less sensitive to other processes on a loaded
    /// machine) and as the median wall-clock of seven rounds after a warm-up; plus allocated bytes per call on this thread.
    /// </summary>
    private static Measurement Measure(Func<int, object?> run, CancellationToken cancellationToken)
    {
        // Warm up long enough for tiered JIT to reach optimised code: at least 10,000 calls and one second (at most five).
        var i = 0;
        var warmup = Stopwatch.StartNew();
        while ((i < 10_000 || warmup.ElapsedMilliseconds < 1000) && warmup.ElapsedMilliseconds < 5000)
        {
            sink = run(i++);
        }

        var perRound = Math.Max(1, (int)(i * 150 / Math.Max(1, warmup.ElapsedMilliseconds)));
        var rounds = new double[7];
        long bytes = 0;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        for (var r = 0; r < rounds.Length; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var k = 0; k < perRound; k++)
            {
                sink = run(k);
            }

            sw.Stop();
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            rounds[r] = sw.Elapsed.TotalMicroseconds / perRound;
        }

        process.Refresh();
        var calls = (double)perRound * rounds.Length;
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / calls;
        Array.Sort(rounds);
        GC.KeepAlive(sink);
        return new(cpu, rounds[rounds.Length / 2], bytes / calls);
    }

    private readonly record struct Measurement(double CpuMicroseconds, double WallMicroseconds, double Bytes);

    /// <summary>The 1-minute load average where the OS reports it, to read wall-clock figures in context.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] + " on " + Environment.ProcessorCount + " CPUs" : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string F(FormattableString text) => FormattableString.Invariant(text);
}
