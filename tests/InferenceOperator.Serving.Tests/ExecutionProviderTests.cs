namespace InferenceOperator.Serving.Tests;

/// <summary>A GPU pod never quietly runs on CPU: unavailable providers keep the model unready unless fallback is allowed.</summary>
public sealed class ExecutionProviderTests
{
    [Theory]
    [InlineData("CUDA")]
    [InlineData("TensorRT")]
    [InlineData("ROCm")]
    public async Task Should_StayNotReadyAndSayWhy_When_ProviderIsUnavailable(string provider)
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.FixedDouble(TestServer.TempDirectory), "--execution-provider", provider);
        Assert.False(server.Engine.IsReady);

        var (status, body) = await server.GetJsonAsync("v2/models/m/ready");
        Assert.Equal(503, status);
        Assert.False(body.GetProperty("ready").GetBoolean());
        var reason = body.GetProperty("reason").GetString()!;
        Assert.Contains($"execution provider {provider}", reason, StringComparison.Ordinal);
        Assert.Contains("AllowCpuFallback", reason, StringComparison.Ordinal);

        var (readyStatus, _) = await server.GetJsonAsync("v2/health/ready");
        Assert.Equal(503, readyStatus);
        var (liveStatus, _) = await server.GetJsonAsync("v2/health/live");
        Assert.Equal(200, liveStatus);

        var infer = await server.Client.InferAsync("m", [Client.OipTensor.FromSingle("x", [1, 4], [1, 2, 3, 4])]);
        Assert.Equal(503, infer.StatusCode);
        Assert.Contains(provider, infer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_RunOnCpuWithWarningMetric_When_FallbackIsAllowed()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.FixedDouble(TestServer.TempDirectory), "--execution-provider", "CUDA", "--allow-cpu-fallback", "true");
        Assert.True(server.Engine.IsReady);
        var infer = await server.Client.InferAsync("m", [Client.OipTensor.FromSingle("x", [1, 4], [1, 2, 3, 4])]);
        Assert.True(infer.IsSuccess, infer.Error);

        var metrics = await server.MetricsAsync();
        Assert.Equal(1, TestServer.MetricValue(metrics, "inference_execution_provider_fallback{model=\"m\",requested=\"CUDA\",actual=\"CPU\"}"));
        Assert.Contains("execution_provider=\"CPU\"", metrics, StringComparison.Ordinal);
    }
}
