using System.Globalization;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceOperator.Serving.Bench;

/// <summary>The real server in this process, on ephemeral ports, loaded by the real load generator over HTTP.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Uri url;
    private readonly HttpClient http = new();

    private BenchServer(WebApplication app)
    {
        this.app = app;
        url = new Uri($"http://127.0.0.1:{app.Services.GetRequiredService<ServerEndpoints>().HttpPort}/");
    }

    public static async Task<BenchServer> StartAsync(string modelPath, params string[] extra)
    {
        string[] args = ["--model", modelPath, "--model-name", "m", "--listen", "127.0.0.1", "--http-port", "0", "--grpc-port", "0", "--Logging:LogLevel:Default=Warning", .. extra];
        var app = ServingHost.Build(args);
        await app.StartAsync();
        await app.Services.GetRequiredService<InferenceEngine>().WhenLoaded;
        return new BenchServer(app);
    }

    /// <summary>One closed-loop level, started once the server has finished everything the previous level left in flight.</summary>
    public async Task<ServerLevel> LoadAsync(OipTensor[] inputs, string[]? outputs, bool binary, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        await DrainAsync();
        var before = await EngineCountersAsync();
        var gcBefore = GcActivity.Now();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var levels = await new LoadGenerator().RunAsync(new LoadTestOptions
        {
            Url = url,
            Model = "m",
            Concurrency = [concurrency],
            Duration = duration,
            Warmup = warmup,
            Binary = binary,
            Inputs = inputs,
            Outputs = outputs,
        });
        var elapsed = clock.Elapsed.TotalSeconds;
        var gc = GcActivity.Now() - gcBefore;
        var after = await EngineCountersAsync();
        // The window's end cancels the client's requests, but a batch already running (up to 16 images, ~0.5 s) and
        // decodes in progress finish on the server: let them, or they would slow the in-process window that follows.
        await DrainAsync();
        return new ServerLevel(levels[0], (after.ComputeSeconds - before.ComputeSeconds) / elapsed,
            after.Batches - before.Batches, after.Rows - before.Rows, after.ComputeSeconds - before.ComputeSeconds, gc, elapsed);
    }

    /// <summary>
    /// Pairs requests to the server with in-process batch-1 runs (<see cref="AlternatingPairs"/>) for
    /// <paramref name="duration"/>; the verdict is the median of the per-pair differences, which a busy neighbour shifts
    /// far less than separate windows. The server's histograms, read after each request, split each difference.
    /// </summary>
    public async Task<PairedLatency> PairedAsync(InProcessRunner runner, OipEncodedRequest request, TimeSpan duration)
    {
        await DrainAsync();
        var previous = await HandlerAndEngineSecondsAsync();
        var pairs = await AlternatingPairs.RunAsync(runner, url, request, duration, async () =>
        {
            var now = await HandlerAndEngineSecondsAsync();
            var spent = ((now.Handler - previous.Handler) * 1000, (now.Engine - previous.Engine) * 1000);
            previous = now;
            return spent;
        });
        double Median(Func<Pair<(double HandlerMs, double EngineMs)>, double> value) => ServingComparison.Median(pairs.Select(value));
        return new PairedLatency(Median(p => p.RequestMs), Median(p => p.InProcessMs), Median(p => p.RequestMs - p.InProcessMs), pairs.Count,
            Median(p => p.RequestMs - p.After.HandlerMs), Median(p => p.After.HandlerMs - p.After.EngineMs), Median(p => p.After.EngineMs - p.InProcessMs));
    }

    /// <summary>The engine's own counters: where a server falls short of the in-process limit (idle gaps, small batches, slower runs).</summary>
    private async Task<(double ComputeSeconds, double Batches, double Rows)> EngineCountersAsync()
    {
        var text = await http.GetStringAsync(new Uri(url, "metrics"));
        return (Read(text, "inference_compute_duration_seconds_sum{model=\"m\"}"), Read(text, "inference_batch_size_count{model=\"m\"}"),
            Read(text, "inference_batch_size_sum{model=\"m\"}"));
    }

    private async Task DrainAsync()
    {
        var engine = app.Services.GetRequiredService<InferenceEngine>();
        while (engine.IsBusy || await ReadAsync("inference_inflight_requests{model=\"m\"}") > 0)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>Bytes of the server's answer to <paramref name="request"/>.</summary>
    public async Task<int> ResponseBytesAsync(OipEncodedRequest request)
    {
        using var client = new OipClient(url);
        using var response = await client.SendRawAsync("m", request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync()).Length;
    }

    /// <summary>Total seconds requests spent in the REST handler, and in engine runs (input copy, run, output copy).</summary>
    private async Task<(double Handler, double Engine)> HandlerAndEngineSecondsAsync()
    {
        var text = await http.GetStringAsync(new Uri(url, "metrics"));
        return (Read(text, "inference_request_duration_seconds_sum{model=\"m\"}"), Read(text, "inference_compute_duration_seconds_sum{model=\"m\"}"));
    }

    /// <summary>Sum and count of inference_request_duration_seconds: the server's own time per request.</summary>
    public async Task<(double Sum, double Count)> ServerTimeAsync()
    {
        var text = await http.GetStringAsync(new Uri(url, "metrics"));
        return (Read(text, "inference_request_duration_seconds_sum{model=\"m\"}"), Read(text, "inference_request_duration_seconds_count{model=\"m\"}"));
    }

    private async Task<double> ReadAsync(string series) => Read(await http.GetStringAsync(new Uri(url, "metrics")), series);

    private static double Read(string text, string series) =>
        text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>One load level and what the engine did meanwhile (over warm-up and window alike).</summary>
internal sealed record ServerLevel(LoadLevelResult Load, double BusyFraction, double Batches, double Rows, double ComputeSeconds, GcActivity Gc, double Seconds)
{
    public double MeanBatch => Batches == 0 ? 0 : Rows / Batches;

    public double MillisecondsPerBatch => Batches == 0 ? 0 : ComputeSeconds / Batches * 1000;
}

/// <summary>
/// Medians of alternating server requests and in-process runs at concurrency 1, of their paired differences, and of
/// where each difference went: outside the server's handler (HTTP and loopback transfer, the client), in the handler
/// outside the engine (body read, decoding, validation, response writing), and the engine's run against the in-process one.
/// </summary>
internal sealed record PairedLatency(double ServerP50Ms, double InProcessP50Ms, double AddedMs, int Pairs, double TransportMs, double HandlerMs, double EngineMs)
{
    /// <summary>The added latency as printed: rounded first, so a difference of -0.001 ms reads +0.00, not a signed zero.</summary>
    public string Added => (Math.Round(AddedMs, 2) + 0.0).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + " ms";

    public override string ToString() =>
        $"p50 {ServerP50Ms:F2} ms vs in-process batch 1 p50 {InProcessP50Ms:F2} ms; median of {Pairs} paired differences {Added}"
        + $" (medians of its parts: outside the handler {TransportMs:F2} ms, handler outside the engine {HandlerMs:F2} ms, engine run {EngineMs:+0.00;-0.00} ms)";
}

/// <summary>
/// Garbage collections and the time they paused the process (client and server share it): collections copy every
/// in-flight request's tensors, so a request path that allocates large arrays shows up here before it shows in throughput.
/// </summary>
internal readonly record struct GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long AllocatedBytes)
{
    public static GcActivity Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcActivity operator -(GcActivity after, GcActivity before) =>
        new(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Paused - before.Paused, after.AllocatedBytes - before.AllocatedBytes);

    public static GcActivity operator +(GcActivity a, GcActivity b) =>
        new(a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2, a.Paused + b.Paused, a.AllocatedBytes + b.AllocatedBytes);
}
