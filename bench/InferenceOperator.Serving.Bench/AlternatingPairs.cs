using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Bench;

/// <summary>One request and the in-process batch-1 run paired with it, and what the caller recorded after the request.</summary>
internal readonly record struct Pair<T>(double RequestMs, double InProcessMs, T After);

/// <summary>
/// Alternates one in-process batch-1 run with one request (concurrency 1, each waiting for the other) in ABBA order,
/// so drift within a pair cancels and every request meets the machine in the state a served request would (caches
/// cold, idle threads asleep). The first pairs warm the connection and the request path and are left out.
/// </summary>
internal static class AlternatingPairs
{
    private const int WarmUpPairs = 4;

    /// <summary>
    /// Pairs for <paramref name="duration"/> (at least ten); <paramref name="after"/> runs after each timed request,
    /// outside its time (e.g. reading the server's histograms).
    /// </summary>
    public static async Task<List<Pair<T>>> RunAsync<T>(InProcessRunner runner, Uri url, OipEncodedRequest request, TimeSpan duration, Func<Task<T>> after)
    {
        using var client = new OipClient(url);
        var pairs = new List<Pair<T>>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < duration || i < WarmUpPairs + 6; i++)
        {
            double local = 0;
            if (i % 2 == 1)
            {
                local = runner.Measure(1, TimeSpan.Zero, minRuns: 1).Latencies[0] * 1000;
            }

            var start = clock.Elapsed;
            using (var response = await client.SendRawAsync("m", request))
            {
                response.EnsureSuccessStatusCode();
            }

            var remote = (clock.Elapsed - start).TotalMilliseconds;
            var recorded = await after();
            if (i % 2 == 0)
            {
                local = runner.Measure(1, TimeSpan.Zero, minRuns: 1).Latencies[0] * 1000;
            }

            if (i >= WarmUpPairs)
            {
                pairs.Add(new Pair<T>(remote, local, recorded));
            }
        }

        return pairs;
    }
}
