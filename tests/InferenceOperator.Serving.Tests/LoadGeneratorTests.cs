using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

public sealed class LoadGeneratorTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_ReportThroughputAndPercentiles_When_RunAgainstAServer(bool binary)
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-queue-delay-ms", "1");
        // One request first, so JIT-compiling the server's path (seconds on a loaded CI machine) happens before any window.
        Assert.True((await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 16], new float[16])], new OipInferOptions { Binary = binary })).IsSuccess);
        var results = await new LoadGenerator().RunAsync(new LoadTestOptions
        {
            Url = server.HttpBase,
            Model = "m",
            Concurrency = [1, 4],
            // Long enough that a request completes inside the window even while other test classes load both CPUs
            // (0.7 s once saw none at concurrency 1 in a full run; a request that straddles the window is not counted).
            Duration = TimeSpan.FromSeconds(2),
            Warmup = TimeSpan.FromSeconds(1), // the first request JIT-compiles the server's path: on a loaded machine that can outlast a short window
            Binary = binary,
            Dimensions = [1, 16],
        });

        Assert.Equal([1, 4], results.Select(r => r.Concurrency));
        foreach (var level in results)
        {
            Assert.True(level.Requests > 0, level.ToString());
            Assert.Equal(0, level.Errors);
            Assert.True(level.P50 <= level.P95 && level.P95 <= level.P99, level.ToString());
            Assert.True(level.Throughput > 0);
        }

        var metrics = await server.MetricsAsync();
        Assert.True(TestServer.MetricValue(metrics, "inference_requests_total{model=\"m\",code=\"200\"}") >= results.Sum(r => r.Requests));
    }

    [Fact]
    public async Task Should_CountErrorsByStatus_When_ServerRejects()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.FixedDouble(TestServer.TempDirectory));
        Assert.Equal(400, (await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 3], [1, 2, 3])])).StatusCode); // compiles the path first
        var results = await new LoadGenerator().RunAsync(new LoadTestOptions
        {
            Url = server.HttpBase,
            Model = "m",
            Duration = TimeSpan.FromSeconds(2),
            Warmup = TimeSpan.FromSeconds(1), // the first request JIT-compiles the server's path: on a loaded machine that can take the whole window
            Inputs = [OipTensor.FromSingle("x", [1, 3], [1, 2, 3])],
        });
        var level = Assert.Single(results);
        Assert.Equal(0, level.Requests);
        Assert.True(level.ErrorsByKind.TryGetValue("400", out var rejected) && rejected == level.Errors && rejected > 0, level.ToString());
    }

    [Fact]
    public void Should_SynthesiseInputsFromMetadata()
    {
        var metadata = new OipModelMetadata("m", ["1"], "onnx_onnxv1",
            [new OipTensorMetadata("ids", "INT64", [-1, -1]), new OipTensorMetadata("pixels", "FP32", [1, 3]), new OipTensorMetadata("text", "BYTES", [-1])],
            []);
        var inputs = LoadGenerator.SynthesiseInputs(metadata, [2, 128]);
        Assert.Equal([2L, 128L], inputs[0].Shape);
        Assert.All(inputs[0].AsInt64(), v => Assert.Equal(1, v));
        Assert.Equal([1L, 3L], inputs[1].Shape);
        Assert.Equal(12, inputs[1].Data.Length);
        Assert.Equal(["x", "x"], inputs[2].AsStrings());
    }

    [Fact]
    public void Should_UseNearestRankPercentiles()
    {
        var sorted = Enumerable.Range(1, 100).Select(i => i / 1000.0).ToArray();
        Assert.Equal(TimeSpan.FromSeconds(0.050), LoadGenerator.Percentile(sorted, 0.50));
        Assert.Equal(TimeSpan.FromSeconds(0.095), LoadGenerator.Percentile(sorted, 0.95));
        Assert.Equal(TimeSpan.FromSeconds(0.099), LoadGenerator.Percentile(sorted, 0.99));
    }
}
