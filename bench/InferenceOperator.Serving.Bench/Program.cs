using System.Diagnostics;
using System.Globalization;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;

// Serving benchmark: in-process ONNX Runtime (the limit) against the server, batching off/on, JSON/binary,
// concurrency 1/8/32, printed as ratios measured in the same run. Usage:
//   dotnet run -c Release --project bench/InferenceOperator.Serving.Bench -- [--duration 3] [--warmup 1]
//       [--concurrency 1,8,32] [--seq 128] [--max-batch 8] [--models minilm,resnet18]
var settings = BenchSettings.Parse(args);
var catalog = new SampleModelCatalog();
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
Console.WriteLine($"Serving bench: {Environment.ProcessorCount} CPUs (load average {load} at start: other processes skew every number), {settings.Duration.TotalSeconds:F1} s per level (+{settings.Warmup.TotalSeconds:F1} s warm-up), concurrency {string.Join(",", settings.Concurrency)}");
if (settings.Models.Contains("minilm"))
{
    await Benches.MiniLmAsync(catalog.MiniLm(), settings);
}

if (settings.Models.Contains("resnet18"))
{
    await Benches.ResNetAsync(catalog.ResNet18(), settings);
}

return 0;

internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, int[] Concurrency, int Sequence, int MaxBatch, string[] Models)
{
    public static BenchSettings Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        double Seconds(string name, string fallback) => double.Parse(Get(name, fallback), CultureInfo.InvariantCulture);
        return new BenchSettings(
            TimeSpan.FromSeconds(Seconds("duration", "3")),
            TimeSpan.FromSeconds(Seconds("warmup", "1")),
            Get("concurrency", "1,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(),
            int.Parse(Get("seq", "128"), CultureInfo.InvariantCulture),
            int.Parse(Get("max-batch", "8"), CultureInfo.InvariantCulture),
            Get("models", "minilm,resnet18").Split(','));
    }
}

/// <summary>In-process throughput and latency at one batch size.</summary>
internal sealed record InProcessResult(int Batch, double ItemsPerSecond, double P50Ms);

internal static class Benches
{
    public static async Task MiniLmAsync(SampleModel model, BenchSettings settings)
    {
        var seq = settings.Sequence;
        Console.WriteLine();
        Console.WriteLine($"== {model.Name}, sequence {seq}, output '924' (pooled embedding) ==");
        OipTensor[] Inputs(int batch)
        {
            var tokens = Enumerable.Range(0, batch * seq).Select(i => i % seq == 0 ? 101L : i % seq == seq - 1 ? 102L : 1000 + (i * 7919 % 20000)).ToArray();
            long[] shape = [batch, seq];
            return
            [
                OipTensor.FromInt64("input_ids", shape, tokens),
                OipTensor.FromInt64("attention_mask", shape, Enumerable.Repeat(1L, tokens.Length).ToArray()),
                OipTensor.FromInt64("token_type_ids", shape, new long[tokens.Length]),
            ];
        }

        var batches = new[] { 1, 2, 4, 8, 16, 32 }.Where(b => b <= settings.MaxBatch).ToArray();
        var inProcess = InProcess(model.ModelPath, batches, Inputs, "924", settings);
        var baseline = inProcess[0];
        var best = inProcess.MaxBy(r => r.ItemsPerSecond)!;
        Console.WriteLine($"in-process best: batch {best.Batch}, {best.ItemsPerSecond:F1} items/s; batch 1 p50 {baseline.P50Ms:F2} ms");
        settings = Adapt(settings, inProcess[^1].P50Ms);

        var request = Inputs(1);
        foreach (var (label, extra) in new (string, string[])[]
        {
            ("batching off", ["--max-batch-size", "1"]),
            ("batching on ", ["--max-batch-size", settings.MaxBatch.ToString(CultureInfo.InvariantCulture), "--max-queue-delay-ms", "0"]),
        })
        {
            await using var server = await BenchServer.StartAsync(model.ModelPath, extra);
            foreach (var binary in new[] { false, true })
            {
                var results = await server.LoadAsync(request, ["924"], binary, settings);
                foreach (var level in results)
                {
                    Print(label, binary, level, best, baseline);
                }
            }
        }

        await using (var cached = await BenchServer.StartAsync(model.ModelPath, "--cache", "true"))
        {
            var before = await cached.ServerTimeAsync();
            var hits = await cached.LoadAsync(request, ["924"], binary: true, settings with { Concurrency = [1] });
            var after = await cached.ServerTimeAsync();
            var serverMs = (after.Sum - before.Sum) / Math.Max(1, after.Count - before.Count) * 1000;
            Console.WriteLine($"cache hits (binary, concurrency 1): mean server time {serverMs:F3} ms (target <= 0.5 ms), client p50 {hits[0].P50.TotalMilliseconds:F2} ms, {hits[0].Throughput:F0} req/s");
        }
    }

    public static async Task ResNetAsync(SampleModel model, BenchSettings settings)
    {
        Console.WriteLine();
        Console.WriteLine($"== {model.Name}: fixed batch 1, so the server runs it one at a time (a batch-dynamic copy comes with the model toolkit) ==");
        var pixels = Enumerable.Range(0, 3 * 224 * 224).Select(i => (float)((i * 0.618034) % 1.0)).ToArray();
        OipTensor[] Inputs(int batch) => [OipTensor.FromSingle("Input247", [1, 3, 224, 224], pixels)];
        var inProcess = InProcess(model.ModelPath, [1], Inputs, "Pooling395_Output_0", settings);
        var baseline = inProcess[0];
        // One at a time, a closed loop of c clients makes every request wait c executions: beyond 8 the window
        // would have to be very long to reach steady state and would only show a longer queue.
        settings = settings with { Concurrency = settings.Concurrency.Where(c => c <= 8).DefaultIfEmpty(1).ToArray() };
        settings = Adapt(settings, baseline.P50Ms * settings.Concurrency.Max());
        await using var server = await BenchServer.StartAsync(model.ModelPath, "--max-batch-size", "1");
        foreach (var binary in new[] { false, true })
        {
            foreach (var level in await server.LoadAsync(Inputs(1), null, binary, settings))
            {
                Print("one at a time", binary, level, baseline, baseline);
            }
        }
    }

    /// <summary>
    /// A window must hold several of the longest executions the server will do (a full batch, or a full closed loop
    /// when the model runs one at a time), or a slow machine measures nothing: stretch it when needed.
    /// </summary>
    private static BenchSettings Adapt(BenchSettings settings, double longestMs)
    {
        var duration = TimeSpan.FromMilliseconds(Math.Max(settings.Duration.TotalMilliseconds, 3 * longestMs));
        var warmup = TimeSpan.FromMilliseconds(Math.Max(settings.Warmup.TotalMilliseconds, longestMs));
        if (duration != settings.Duration || warmup != settings.Warmup)
        {
            Console.WriteLine($"(windows stretched to {duration.TotalSeconds:F1} s + {warmup.TotalSeconds:F1} s warm-up: one execution takes up to {longestMs:F0} ms here)");
        }

        return settings with { Duration = duration, Warmup = warmup };
    }

    private static void Print(string label, bool binary, LoadLevelResult level, InProcessResult best, InProcessResult batchOne)
    {
        var ratio = level.Throughput / best.ItemsPerSecond;
        var added = level.P50.TotalMilliseconds - batchOne.P50Ms;
        Console.WriteLine(
            $"server {label} {(binary ? "binary" : "JSON  ")} c={level.Concurrency,2}: {level.Throughput,8:F1} req/s = {ratio:F3}x in-process best | p50 {level.P50.TotalMilliseconds,7:F2} ms ({added,6:+0.00;-0.00} ms vs in-process b1) p95 {level.P95.TotalMilliseconds,7:F2} p99 {level.P99.TotalMilliseconds,7:F2} | errors {level.Errors}");
    }

    /// <summary>Runs the model directly with ONNX Runtime (same thread settings as the server), one caller, at each batch size.</summary>
    private static List<InProcessResult> InProcess(string path, int[] batches, Func<int, OipTensor[]> inputs, string output, BenchSettings settings)
    {
        using var options = OnnxModel.CreateSessionOptions(CpuLimit.Detect());
        using var session = new InferenceSession(path, options);
        var results = new List<InProcessResult>();
        foreach (var batch in batches)
        {
            var tensors = inputs(batch);
            var values = tensors.Select(t =>
            {
                var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OipClient.ToEngine(t).DataType.ToOrt(), t.Shape);
                t.Data.CopyTo(value.GetTensorMutableRawData());
                return value;
            }).ToArray();
            var names = tensors.Select(t => t.Name).ToArray();
            using var run = new RunOptions();
            var latencies = new List<double>();
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < settings.Warmup || latencies.Count < 1)
            {
                using var _ = session.Run(run, names, values, [output]);
                latencies.Add(0);
            }

            latencies.Clear();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < settings.Duration || latencies.Count < 2)
            {
                var start = clock.Elapsed;
                using var _ = session.Run(run, names, values, [output]);
                latencies.Add((clock.Elapsed - start).TotalSeconds);
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            foreach (var value in values)
            {
                value.Dispose();
            }

            var sorted = latencies.Order().ToArray();
            var result = new InProcessResult(batch, latencies.Count * batch / elapsed, LoadGenerator.Percentile(sorted, 0.5).TotalMilliseconds);
            Console.WriteLine($"in-process batch {batch,2}: {result.ItemsPerSecond,8:F1} items/s, p50 {result.P50Ms,7:F2} ms per run");
            results.Add(result);
        }

        return results;
    }
}

/// <summary>The real server in this process, on ephemeral ports.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Uri url;

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

    /// <summary>One level at a time, waiting between levels until the server has finished everything in flight.</summary>
    public async Task<IReadOnlyList<LoadLevelResult>> LoadAsync(OipTensor[] inputs, string[]? outputs, bool binary, BenchSettings settings)
    {
        var results = new List<LoadLevelResult>();
        foreach (var concurrency in settings.Concurrency)
        {
            await DrainAsync();
            var level = await new LoadGenerator().RunAsync(new LoadTestOptions
            {
                Url = url,
                Model = "m",
                Concurrency = [concurrency],
                Duration = settings.Duration,
                Warmup = settings.Warmup,
                Binary = binary,
                Inputs = inputs,
                Outputs = outputs,
            });
            results.AddRange(level);
        }

        return results;
    }

    private async Task DrainAsync()
    {
        var metrics = app.Services.GetRequiredService<InferenceEngine>();
        while (metrics.Scheduler is { } scheduler && (scheduler.Depth > 0 || await InflightAsync() > 0))
        {
            await Task.Delay(20);
        }
    }

    private async Task<double> InflightAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(url, "metrics"));
        const string series = "inference_inflight_requests{model=\"m\"}";
        return text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();
    }

    /// <summary>Sum and count of inference_request_duration_seconds.</summary>
    public async Task<(double Sum, double Count)> ServerTimeAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(url, "metrics"));
        double Read(string series) => text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();
        return (Read("inference_request_duration_seconds_sum{model=\"m\"}"), Read("inference_request_duration_seconds_count{model=\"m\"}"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
