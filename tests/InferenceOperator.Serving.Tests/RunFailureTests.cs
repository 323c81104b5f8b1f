using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Tests;

/// <summary>A request the model cannot run fails alone, as a 400 with ONNX Runtime's reason; a model that cannot run at all never becomes ready.</summary>
public sealed class RunFailureTests
{
    private static OipTensor[] Pick(float[] row, long index) =>
        [OipTensor.FromSingle("x", [1, 4], row), OipTensor.FromInt64("index", [1, 1], [index])];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_AnswerTheRestOfTheBatch_When_OneRequestMakesTheModelFail(bool binary)
    {
        // Four rows fill a batch of four, so all four requests are run as one call first.
        await using var server = await TestServer.StartAsync(TinyOnnx.PickOne(TestServer.TempDirectory), "--max-batch-size", "4", "--max-queue-delay-ms", "5000");
        float[][] rows = [[10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33], [40, 41, 42, 43]];
        long[] indices = [2, 7, 0, 3]; // 7 is outside the row's four values
        var options = new OipInferOptions { Binary = binary };
        var results = await Task.WhenAll(rows.Select((row, i) => server.Client.InferAsync("m", Pick(row, indices[i]), options)));

        Assert.Equal(400, results[1].StatusCode);
        Assert.Contains("input 'x'", results[1].Error, StringComparison.Ordinal);
        Assert.Contains("ONNX Runtime said:", results[1].Error, StringComparison.Ordinal);
        foreach (var i in new[] { 0, 2, 3 })
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            Assert.Equal(new[] { rows[i][indices[i]] }, results[i].Output("y").AsSingles());
        }

        var metrics = await server.MetricsAsync();
        // The batch of four ran (and failed), then each request alone: five runs, eight rows.
        Assert.Equal(5, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}"));
        Assert.Equal(8, TestServer.MetricValue(metrics, "inference_batch_size_sum{model=\"m\"}"));
        Assert.DoesNotContain("code=\"5", metrics, StringComparison.Ordinal);
        Assert.True(server.Engine.IsReady);
    }

    [Fact]
    public async Task Should_Answer400_When_ARequestRunAloneMakesTheModelFail()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.PickOne(TestServer.TempDirectory));
        var failed = await server.Client.InferAsync("m", Pick([1, 2, 3, 4], 4));
        var next = await server.Client.InferAsync("m", Pick([1, 2, 3, 4], 3));

        Assert.Equal(400, failed.StatusCode);
        Assert.Contains("input 'x', input 'index'", failed.Error, StringComparison.Ordinal);
        Assert.True(next.IsSuccess, next.Error);
        Assert.Equal(new float[] { 4 }, next.Output("y").AsSingles());
    }

    [Fact]
    public void Should_CallItTheServersError_When_TheFailureIsNotOnnxRuntimeRejectingTheInput()
    {
        InferTensor[] inputs = [new() { Name = "x", DataType = TensorDataType.Fp32, Shape = [1], Data = new byte[4] }];

        var ours = BatchScheduler.RunFailure(new InvalidOperationException("a bug of ours"), inputs);

        Assert.Equal(ErrorKind.Internal, ours.Kind);
        Assert.Equal(500, ours.HttpStatus);
    }

    [Fact]
    public async Task Should_StayNotReadyAndSayWhy_When_TheWarmupRunFails()
    {
        var model = TinyOnnx.PickFromNothing(TestServer.TempDirectory);
        await using (var server = await TestServer.StartAsync(model))
        {
            Assert.False(server.Engine.IsReady);
            Assert.Contains("warm-up run", server.Engine.NotReadyReason, StringComparison.Ordinal);
            var (status, body) = await server.GetJsonAsync("v2/models/m/ready");
            Assert.Equal(503, status);
            Assert.Contains("warm-up run", body.GetRawText(), StringComparison.Ordinal);
        }

        // The same model without the warm-up is ready: the warm-up run is what kept it out.
        await using (var unwarmed = await TestServer.StartAsync(model, "--Warmup=false"))
        {
            Assert.True(unwarmed.Engine.IsReady, unwarmed.Engine.NotReadyReason);
        }
    }
}
