using System.Net;
using System.Text;
using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

/// <summary>Bounded queue (429), body limit (413), deadlines (504, never run) and graceful shutdown.</summary>
public sealed class BackpressureTests
{
    // A long queue delay and a large batch keep requests parked in the queue, so queue state is deterministic.
    private static readonly string[] Parking = ["--max-batch-size", "64", "--max-queue-delay-ms", "3000"];

    private static OipTensor[] Input(int i) => [OipTensor.FromSingle("x", [1, 2], [i, i + 1])];

    [Fact]
    public async Task Should_Answer429WithRetryAfter_When_QueueIsFull()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), [.. Parking, "--queue-capacity", "2"]);
        var queued = Enumerable.Range(0, 2).Select(i => server.Client.InferAsync("m", Input(i))).ToArray();
        await server.WaitUntilAsync(() => server.Engine.Scheduler!.Depth == 2, "two requests queued");

        using var response = await server.Client.SendRawAsync("m", OipClient.Encode(Input(9)));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("queue is full", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var results = await Task.WhenAll(queued);
        Assert.All(results, r => Assert.True(r.IsSuccess, r.Error));
        Assert.Equal(new float[] { 2, 4 }, results[1].Output("y").AsSingles());
        Assert.Equal(1, TestServer.MetricValue(await server.MetricsAsync(), "inference_requests_total{model=\"m\",code=\"429\"}"));
    }

    [Fact]
    public async Task Should_ReportTheEngineBusy_OnlyWhileRequestsAreQueuedOrRunning()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), Parking);
        Assert.False(server.Engine.IsBusy);

        var parked = server.Client.InferAsync("m", Input(1));
        await server.WaitUntilAsync(() => server.Engine.Scheduler!.Depth == 1, "one request queued");
        Assert.True(server.Engine.IsBusy);

        Assert.True((await parked).IsSuccess);
        Assert.False(server.Engine.IsBusy);
    }

    [Fact]
    public async Task Should_Answer504AndNeverRun_When_DeadlinePassesInQueue()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), Parking);
        var result = await server.Client.InferAsync("m", Input(1), new OipInferOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(504, result.StatusCode);
        Assert.Contains("deadline", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, server.Engine.Scheduler!.Depth);

        var metrics = await server.MetricsAsync();
        Assert.Equal(0, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}"));
        Assert.Equal(1, TestServer.MetricValue(metrics, "inference_requests_total{model=\"m\",code=\"504\"}"));
    }

    [Fact]
    public async Task Should_ApplyDefaultDeadline_When_ClientSendsNone()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), [.. Parking, "--default-deadline-ms", "100"]);
        var result = await server.Client.InferAsync("m", Input(1));
        Assert.Equal(504, result.StatusCode);
        Assert.Equal(0, TestServer.MetricValue(await server.MetricsAsync(), "inference_batch_size_count{model=\"m\"}"));
    }

    [Fact]
    public async Task Should_Answer413_When_BodyIsOverTheLimit()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-request-body-bytes", "4096");
        var values = string.Join(",", Enumerable.Repeat("1.0", 2000));
        var (status, body, _) = await server.PostJsonAsync("v2/models/m/infer", $"{{\"inputs\":[{{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,2000],\"data\":[{values}]}}]}}");
        Assert.Equal(413, status);
        Assert.Contains("larger than the limit of 4096 bytes", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Chunked bodies (no Content-Length) are limited while being read.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "v2/models/m/infer")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 8000) + "{}"))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        using var response = await server.Http.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Should_GoUnreadyFirstThenFinishAcceptedRequestsWithoutWaitingForFullBatches_When_ShuttingDown()
    {
        // Queued requests would wait a minute for a fuller batch; shutting down must run them now.
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "64", "--max-queue-delay-ms", "60000");
        var readyWhenAnswered = new bool[5];
        var queued = Enumerable.Range(0, 5).Select(async i =>
        {
            var result = await server.Client.InferAsync("m", Input(i));
            readyWhenAnswered[i] = server.Engine.IsReady;
            return result;
        }).ToArray();
        await server.WaitUntilAsync(() => server.Engine.Scheduler!.Depth == 5, "five requests queued");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.StopAsync();
        var results = await Task.WhenAll(queued);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"shutdown took {clock.Elapsed}: the queued requests waited for the batch delay");
        Assert.Equal("the server is shutting down", server.Engine.NotReadyReason);
        Assert.All(readyWhenAnswered, Assert.False); // readiness went false before any request was answered
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(new float[] { 2 * i, (2 * i) + 2 }, results[i].Output("y").AsSingles());
        }
    }
}
