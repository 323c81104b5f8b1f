using System.Globalization;
using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Bench;

/// <summary>A model to serve and how to make a request of any batch size for it.</summary>
internal sealed record Workload(string Name, string Title, string ModelPath, Func<int, OipTensor[]> Inputs, string Output);

/// <summary>One target of the serving issue, judged on this run's numbers.</summary>
internal sealed record TargetVerdict(string Model, string What, string Target, string Measured, bool Met)
{
    public override string ToString() => $"{Model}: {What}: target {Target}, measured {Measured} -> {(Met ? "met" : "NOT met")}";
}

/// <summary>
/// Measures the server against in-process ONNX Runtime. Every server window is bracketed by in-process windows at
/// the best batch size (and at batch 1 for latency), and each ratio is taken against those neighbours: on a shared
/// machine, load from elsewhere then slows numerator and denominator alike instead of deciding the result.
/// </summary>
internal static class ServingComparison
{
    private static readonly int[] BatchSizes = [1, 2, 4, 8, 16];

    public static async Task<IReadOnlyList<TargetVerdict>> RunAsync(Workload workload, BenchSettings settings)
    {
        Console.WriteLine();
        Console.WriteLine($"== {workload.Title} ==");
        var name = workload.Name;
        using var runner = new InProcessRunner(workload.ModelPath, workload.Inputs, workload.Output);
        var sweep = new List<Slice>();
        foreach (var batch in BatchSizes.Where(b => settings.MaxBatch is not { } max || b <= Math.Max(max, 1)))
        {
            var slice = runner.Measure(batch, settings.Duration, minRuns: 3);
            sweep.Add(slice);
            Console.WriteLine($"in-process batch {batch,2}: {slice.ItemsPerSecond,8:F1} items/s, p50 {Median(slice.Latencies) * 1000,8:F2} ms per run");
        }

        var best = sweep.MaxBy(s => s.ItemsPerSecond)!;
        var maxBatch = settings.MaxBatch ?? best.Batch;
        // Under load the server is configured as the planner would deploy it for one replica at this throughput: wait up
        // to the time a full batch takes to arrive. Concurrency 1 keeps maxQueueDelay 0, as its target says, and so does
        // any level with fewer clients than the batch limit.
        var loadedDelayMs = settings.QueueDelayMs ?? Math.Round((maxBatch - 1) / best.ItemsPerSecond * 1000, 1);
        Console.WriteLine($"in-process best: batch {best.Batch} ({best.ItemsPerSecond:F1} items/s); the server batches up to {maxBatch} (the profile's best, as the planner would set it)"
            + $" and, where the clients can fill a batch, waits up to {loadedDelayMs:F1} ms for a full one ({(settings.QueueDelayMs is null ? "the planner's queue delay: (batch - 1) / throughput" : "--queue-delay-ms")}); otherwise 0 ms");

        var request = workload.Inputs(1);
        string[] outputs = [workload.Output];
        var verdicts = new List<TargetVerdict>();
        var configurations = settings.Parts.Contains("server") ? new[] { ("batching off", 1), ("batching on ", maxBatch) } : [];
        await using var floor = await TransportFloor.StartAsync();
        foreach (var (label, batchLimit) in configurations)
        {
            await using var idle = await BenchServer.StartAsync(workload.ModelPath,
                "--max-batch-size", batchLimit.ToString(CultureInfo.InvariantCulture), "--max-queue-delay-ms", "0");
            await using var loaded = batchLimit > 1 && loadedDelayMs > 0 && settings.Concurrency.Any(c => c >= batchLimit)
                ? await BenchServer.StartAsync(workload.ModelPath, "--max-batch-size", batchLimit.ToString(CultureInfo.InvariantCulture),
                    "--max-queue-delay-ms", loadedDelayMs.ToString(CultureInfo.InvariantCulture))
                : null;
            foreach (var binary in new[] { false, true })
            {
                foreach (var concurrency in settings.Concurrency)
                {
                    // Fewer clients than the batch limit can never fill a batch: waiting for one would only add delay.
                    var server = concurrency >= batchLimit && loaded is not null ? loaded : idle;
                    // A window must hold several closed-loop cycles (each client waits for every batch ahead of it).
                    var batchMs = Median(sweep.First(s => s.Batch == Math.Min(batchLimit, best.Batch) || s == sweep[^1]).Latencies) * 1000;
                    var cycle = TimeSpan.FromMilliseconds(Math.Ceiling(concurrency / (double)batchLimit) * batchMs);
                    var warmup = Max(settings.Warmup, cycle * 1.5);
                    var duration = Max(settings.Duration, cycle * 4);
                    // The targets' levels get at least five rounds: their verdict is the median round, which one window
                    // slowed by a neighbour on this shared machine cannot decide.
                    var target = label.StartsWith("batching on", StringComparison.Ordinal) && concurrency == 32;
                    var rounds = target ? Math.Max(settings.Rounds, 5) : settings.Rounds;
                    var comparison = await CompareAsync(server, runner, best.Batch, request, outputs, binary, concurrency, warmup, duration, rounds);
                    Console.WriteLine($"server {label} {(binary ? "binary" : "JSON  ")} c={concurrency,2}: {comparison}");
                    if (target)
                    {
                        var least = binary ? 0.98 : 0.95;
                        verdicts.Add(new(name, $"batching on (maxQueueDelay {(ReferenceEquals(server, loaded) ? loadedDelayMs : 0):F1} ms), {(binary ? "binary" : "JSON")}, c=32 throughput vs in-process best (median of {rounds} rounds)", $">= {least:F2}x",
                            $"{comparison.Ratio:F3}x", comparison.Ratio >= least));
                    }

                    if (concurrency == 1)
                    {
                        // Latency differences of a millisecond need pairs: one in-process run, then one request, alternating,
                        // so both see the machine as it is at that moment (its speed drifts by more than that within a minute).
                        var encoded = OipClient.Encode(request, new OipInferOptions { Binary = binary, Outputs = outputs });
                        var paired = await server.PairedAsync(runner, encoded, duration * settings.Rounds);
                        Console.WriteLine($"server {label} {(binary ? "binary" : "JSON  ")} c= 1 paired: {paired}");
                        if (label.StartsWith("batching on", StringComparison.Ordinal))
                        {
                            // What HTTP alone costs this body on this machine, measured the same way: the part of the
                            // added latency that is not the server's doing. Around a model run it costs more than on its
                            // own, because the answer and the waiting client wake after tens of milliseconds of compute.
                            var answer = await server.ResponseBytesAsync(encoded);
                            var floorMs = await floor.PairedAsync(runner, encoded, answer, duration * settings.Rounds, modelRun: false);
                            var aroundRunMs = await floor.PairedAsync(runner, encoded, answer, duration * settings.Rounds, modelRun: true);
                            Console.WriteLine($"transport floor     {(binary ? "binary" : "JSON  ")} c= 1: a no-op endpoint took {floorMs:F2} ms (median) for the same body and answer size;"
                                + $" running the in-process run between body and answer, it added {aroundRunMs:F2} ms (median of paired differences)");
                            verdicts.Add(new(name, $"batching on (maxQueueDelay 0), {(binary ? "binary" : "JSON")}, c=1 p50 added over in-process batch 1 (paired)", "<= +1.00 ms",
                                $"{paired.Added} (HTTP alone: {floorMs:F2} ms; HTTP around the same run: {aroundRunMs:F2} ms)", paired.AddedMs <= 1.0));
                        }
                    }
                }
            }
        }

        if (settings.Parts.Contains("cache"))
        {
            verdicts.Add(await CacheHitsAsync(workload, name, request, outputs, settings));
        }

        return verdicts;
    }

    private static async Task<TargetVerdict> CacheHitsAsync(Workload workload, string name, OipTensor[] request, string[] outputs, BenchSettings settings)
    {
        await using (var cached = await BenchServer.StartAsync(workload.ModelPath, "--cache", "true"))
        {
            var pausedBefore = GC.GetTotalPauseDuration();
            var collectionsBefore = (GC.CollectionCount(0), GC.CollectionCount(2));
            var before = await cached.ServerTimeAsync();
            // Hits run at hundreds per second: give the just-started server's request path time to be tier-1 compiled first.
            var hits = await cached.LoadAsync(request, outputs, binary: true, concurrency: 1, Max(settings.Warmup, TimeSpan.FromSeconds(5)), settings.Duration);
            var after = await cached.ServerTimeAsync();
            var paused = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds / Math.Max(1, after.Count - before.Count);
            var collections = $"{GC.CollectionCount(0) - collectionsBefore.Item1} gen0 / {GC.CollectionCount(2) - collectionsBefore.Item2} gen2 collections";
            var serverMs = (after.Sum - before.Sum) / Math.Max(1, after.Count - before.Count) * 1000;
            Console.WriteLine($"cache hits (binary, concurrency 1): mean server time {serverMs:F3} ms, client p50 {hits.Load.P50.TotalMilliseconds:F2} ms, {hits.Load.Throughput:F0} req/s; GC paused {paused:F3} ms per hit ({collections}, client and server share this process)");
            return new(name, "cache hit, server time", "<= 0.50 ms", $"{serverMs:F3} ms", serverMs <= 0.5);
        }
    }

    private static async Task<Comparison> CompareAsync(BenchServer server, InProcessRunner runner, int bestBatch, OipTensor[] request, string[] outputs,
        bool binary, int concurrency, TimeSpan warmup, TimeSpan duration, int rounds)
    {
        var baseline = new List<Slice>();
        var levels = new List<ServerLevel>();
        void Bracket() => baseline.Add(runner.Measure(bestBatch, duration / 2));

        for (var round = 0; round < rounds; round++)
        {
            Bracket();
            levels.Add(await server.LoadAsync(request, outputs, binary, concurrency, warmup, duration));
        }

        Bracket();
        return new Comparison(levels, baseline);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return LoadGenerator.Percentile(sorted, 0.5).TotalSeconds;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Server rounds against the in-process windows around them.</summary>
    private sealed record Comparison(IReadOnlyList<ServerLevel> Engine, IReadOnlyList<Slice> Baseline)
    {
        private IEnumerable<LoadLevelResult> Levels => Engine.Select(e => e.Load);

        public double ServerThroughput => Levels.Sum(l => l.Requests) / Levels.Sum(l => l.Elapsed.TotalSeconds);

        public double BaselineThroughput => Baseline.Sum(s => s.Runs * s.Batch) / Baseline.Sum(s => s.Seconds);

        /// <summary>Each round's server throughput over the mean of the in-process windows just before and after it.</summary>
        public IReadOnlyList<double> RoundRatios => Engine
            .Select((e, i) => e.Load.Requests / e.Load.Elapsed.TotalSeconds / ((Baseline[i].ItemsPerSecond + Baseline[i + 1].ItemsPerSecond) / 2))
            .ToList();

        /// <summary>The median round's ratio: a window that a neighbour slowed, on either side, moves it far less than a pooled ratio.</summary>
        public double Ratio => Median(RoundRatios);

        /// <summary>Median of the rounds' server p50s.</summary>
        public double ServerP50Ms => Median(Levels.Select(l => l.P50.TotalSeconds).ToArray()) * 1000;

        /// <summary>In-process milliseconds per item at the best batch size, over the bracketing windows.</summary>
        public double BaselineMsPerItem => Baseline.Sum(s => s.Seconds) / Baseline.Sum(s => s.Runs * s.Batch) * 1000;

        public override string ToString()
        {
            var p95 = Median(Levels.Select(l => l.P95.TotalSeconds).ToArray()) * 1000;
            var p99 = Median(Levels.Select(l => l.P99.TotalSeconds).ToArray()) * 1000;
            var busy = Engine.Average(e => e.BusyFraction);
            var batch = Engine.Sum(e => e.Rows) / Math.Max(1, Engine.Sum(e => e.Batches));
            var msPerItem = Engine.Sum(e => e.ComputeSeconds) / Math.Max(1, Engine.Sum(e => e.Rows)) * 1000;
            var gc = Engine.Aggregate(default(GcActivity), (sum, e) => sum + e.Gc);
            var served = Math.Max(1, Engine.Sum(e => e.Rows)); // over warm-up and window, as the GC counters
            return $"{ServerThroughput,8:F1} req/s vs in-process best {BaselineThroughput,7:F1}: {Ratio:F3}x (median of {Engine.Count} rounds, range {RoundRatios.Min():F3}–{RoundRatios.Max():F3}) | p50 {ServerP50Ms,8:F2} ms p95 {p95,8:F2} p99 {p99,8:F2} | errors {Levels.Sum(l => l.Errors)}"
                + $" | engine busy {busy:P0}, mean batch {batch:F1}, {msPerItem:F1} ms/item (in-process best {BaselineMsPerItem:F1})"
                + $" | GC {gc.Gen0}/{gc.Gen1}/{gc.Gen2} gen0/1/2, paused {gc.Paused.TotalSeconds / Engine.Sum(e => e.Seconds):P1} of the time, {gc.AllocatedBytes / 1e6 / served:F2} MB allocated per item run";
        }
    }
}
