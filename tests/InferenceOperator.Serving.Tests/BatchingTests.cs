using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

/// <summary>Dynamic batching splits results back exactly and never mixes requests whose shapes differ.</summary>
public sealed class BatchingTests
{
    [Fact]
    public async Task Should_MatchUnbatchedRuns_When_RequestsOfDifferentSequenceLengthsAreBatched()
    {
        // A long queue delay makes the batcher wait for company, so concurrent requests really share batches.
        await using var server = await TestServer.StartAsync(TestServer.MiniLmPath, "--max-batch-size", "8", "--max-queue-delay-ms", "300");
        int[] lengths = [5, 8, 12];
        var requests = Enumerable.Range(0, 24).Select(i =>
        {
            var length = lengths[i % lengths.Length];
            var rows = i % 4 == 0 ? 2 : 1; // some requests carry two rows of their own
            return Enumerable.Range(0, rows).Select(r => MiniLmInputs.Tokens(length, seed: (i * 10) + r)).ToArray();
        }).ToArray();

        var results = await Task.WhenAll(requests.Select(rows =>
            server.Client.InferAsync("m", MiniLmInputs.For(rows), new OipInferOptions { Outputs = ["924"] })));

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            var output = results[i].Output("924");
            Assert.Equal([requests[i].Length, 384L], output.Shape);
            var values = output.AsSingles();
            for (var r = 0; r < requests[i].Length; r++)
            {
                Reference.AssertClose(Reference.MiniLmEmbedding(requests[i][r]), values[(r * 384)..((r + 1) * 384)]);
            }
        }

        var metrics = await server.MetricsAsync();
        var rowsRun = TestServer.MetricValue(metrics, "inference_batch_size_sum{model=\"m\"}");
        var executions = TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}");
        Assert.Equal(requests.Sum(r => r.Length), rowsRun);
        Assert.True(executions < requests.Length, $"expected requests to share batches: {executions} executions for {requests.Length} requests");
    }

    [Fact]
    public async Task Should_NeverMixInnerShapes_When_BatchingAVariableDimension()
    {
        // y = 2x on [batch, n]: any row that crossed into another request, or any mix of n, changes the answer.
        var model = TinyOnnx.DynamicDouble(TestServer.TempDirectory);
        await using var server = await TestServer.StartAsync(model, "--max-batch-size", "16", "--max-queue-delay-ms", "100");
        var requests = Enumerable.Range(0, 40).Select(i =>
        {
            var n = 2 + (i % 3);
            var rows = 1 + (i % 2);
            return (Shape: new long[] { rows, n }, Values: Enumerable.Range(0, rows * n).Select(k => (float)((i * 1000) + k)).ToArray());
        }).ToArray();

        var results = await Task.WhenAll(requests.Select(r => server.Client.InferAsync("m", [OipTensor.FromSingle("x", r.Shape, r.Values)])));
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(requests[i].Shape, results[i].Output("y").Shape);
            Assert.Equal(requests[i].Values.Select(v => v * 2), results[i].Output("y").AsSingles());
        }
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("50", false)]
    public async Task Should_RunOnTheCallersThread_When_TheModelIsIdle_And_NoBatchWouldForm(string maxQueueDelayMs, bool inline)
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "8", "--max-queue-delay-ms", maxQueueDelayMs);
        var input = new Engine.InferTensor { Name = "x", DataType = Engine.TensorDataType.Fp32, Shape = [1, 2], Data = new byte[][] { BitConverter.GetBytes(1.5f), BitConverter.GetBytes(-2f) }.SelectMany(b => b).ToArray() };

        var running = server.Engine.Scheduler!.Enqueue([input], ["y"], 1, CancellationToken.None);

        Assert.Equal(inline, running.IsCompleted); // inline: done before Enqueue returns; otherwise the batcher waits 50 ms
        var output = Assert.Single(await running);
        Assert.Equal(new float[] { 3, -4 }, new[] { BitConverter.ToSingle(output.Data.Span), BitConverter.ToSingle(output.Data.Span[4..]) });
    }

    [Fact]
    public async Task Should_RunEveryRequestOnceWithItsOwnAnswer_When_RequestsRaceAnIdleModel()
    {
        // With no queue delay, requests that find the model idle run on their own threads and the rest queue behind them.
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "4", "--max-queue-delay-ms", "0");
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            await Task.Yield();
            return await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 3], [i, -i, 0.5f])]);
        }));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(new float[] { 2 * i, -2 * i, 1 }, results[i].Output("y").AsSingles());
        }

        Assert.Equal(64, TestServer.MetricValue(await server.MetricsAsync(), "inference_batch_size_sum{model=\"m\"}"));
    }

    [Fact]
    public async Task Should_RunOnlyABatchsOwnRows_When_ALargerBatchRanBeforeIt()
    {
        // Batches are concatenated into memory kept from batch to batch: a smaller batch after a larger one must see its
        // own rows only, never the tail the larger one left behind.
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "4", "--max-queue-delay-ms", "200");
        static Engine.InferTensor Row(float value) => new()
        {
            Name = "x",
            DataType = Engine.TensorDataType.Fp32,
            Shape = [1, 3],
            Data = new[] { value, value + 1, value + 2 }.SelectMany(BitConverter.GetBytes).ToArray(),
        };
        var scheduler = server.Engine.Scheduler!;

        foreach (var values in new[] { new float[] { 10, 20, 30, 40 }, [50, 60], [70, 80, 90] })
        {
            var runs = values.Select(v => scheduler.Enqueue([Row(v)], ["y"], 1, CancellationToken.None)).ToArray();
            var outputs = await Task.WhenAll(runs);
            for (var i = 0; i < values.Length; i++)
            {
                var y = Assert.Single(outputs[i]);
                Assert.Equal([1L, 3L], y.Shape);
                Assert.Equal(new[] { 2 * values[i], (2 * values[i]) + 2, (2 * values[i]) + 4 }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(y.Data.Span).ToArray());
            }
        }

        var metrics = await server.MetricsAsync();
        Assert.Equal(3, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}")); // one batch per group of requests
        Assert.Equal(9, TestServer.MetricValue(metrics, "inference_batch_size_sum{model=\"m\"}"));
    }

    [Fact]
    public async Task Should_RunOneAtATime_When_ModelHasNoBatchDimension()
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        await using var server = await TestServer.StartAsync(model, "--max-batch-size", "8", "--max-queue-delay-ms", "50");
        Assert.False(server.Engine.Scheduler!.Batching);
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 4], [i, i + 0.5f, -i, 3])])));
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(new float[] { 2 * i, (2 * i) + 1, -2 * i, 6 }, results[i].Output("y").AsSingles());
        }

        var metrics = await server.MetricsAsync();
        Assert.Equal(12, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}"));
        Assert.Equal(12, TestServer.MetricValue(metrics, "inference_batch_size_sum{model=\"m\"}"));

        var wrongBatch = await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [2, 4], new float[8])]);
        Assert.Equal(400, wrongBatch.StatusCode);
        Assert.Contains("input 'x': field 'shape' [2,4]", wrongBatch.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_BatchEachShapeGroupSeparately_When_GroupsAreQueuedTogether()
    {
        // Everything is queued before the (long) delay of the oldest request expires, so the batches are determined:
        // one per inner shape, each holding all of that group's requests, none mixing the two.
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "64", "--max-queue-delay-ms", "3000");
        var requests = Enumerable.Range(0, 8).Select(i => (Shape: new long[] { 1, i % 2 == 0 ? 3 : 5 }, Values: Enumerable.Range(0, i % 2 == 0 ? 3 : 5).Select(k => (float)((i * 100) + k)).ToArray())).ToArray();
        var pending = requests.Select(r => server.Client.InferAsync("m", [OipTensor.FromSingle("x", r.Shape, r.Values)])).ToArray();
        await server.WaitUntilAsync(() => server.Engine.Scheduler!.Depth == 8, "eight requests queued");

        var results = await Task.WhenAll(pending);
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(requests[i].Values.Select(v => v * 2), results[i].Output("y").AsSingles());
        }

        var metrics = await server.MetricsAsync();
        Assert.Equal(2, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}"));
        Assert.Equal(8, TestServer.MetricValue(metrics, "inference_batch_size_sum{model=\"m\"}"));
        Assert.Equal(0, TestServer.MetricValue(metrics, "inference_batch_size_bucket{model=\"m\",le=\"2\"}"));
        Assert.Equal(2, TestServer.MetricValue(metrics, "inference_batch_size_bucket{model=\"m\",le=\"4\"}"));
    }

    [Fact]
    public async Task Should_EstimateBusyRatioAndEnergy_When_PowerModelConfigured()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.FixedDouble(TestServer.TempDirectory), "--idle-watts", "10", "--busy-watts", "100");
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 4], [1, 2, 3, 4])])).IsSuccess);
        }

        var first = await server.MetricsAsync();
        var second = await server.MetricsAsync();
        var energy = TestServer.MetricValue(second, "inference_energy_joules_total{model=\"m\"}");
        var ratio = TestServer.MetricValue(second, "inference_busy_ratio{model=\"m\"}");
        Assert.True(energy > 0, $"energy {energy}");
        Assert.True(energy >= TestServer.MetricValue(first, "inference_energy_joules_total{model=\"m\"}"));
        Assert.InRange(ratio!.Value, 0, 1);
    }
}
