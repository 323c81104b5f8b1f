using InferenceOperator.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Should_NameEverySettingToFix_When_ConfigurationIsInvalid()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => ServingHost.Build(
            ["--max-batch-size", "0", "--execution-provider", "TPU", "--http-port", "9000", "--grpc-port", "9000", "--Cache:Enabled=true", "--Cache:MaxBytes=0", "--idle-watts", "50", "--busy-watts", "10", "--BackgroundDecode:Nice=-5"]));
        var messages = string.Join("\n", failure.Failures);
        Assert.Contains("ModelPath is required", messages, StringComparison.Ordinal);
        Assert.Contains("MaxBatchSize must be at least 1", messages, StringComparison.Ordinal);
        Assert.Contains("ExecutionProvider 'TPU' is not one of CPU, CUDA, TensorRT, ROCm", messages, StringComparison.Ordinal);
        Assert.Contains("HttpPort and GrpcPort must differ", messages, StringComparison.Ordinal);
        Assert.Contains("Cache:MaxBytes must be positive", messages, StringComparison.Ordinal);
        Assert.Contains("IdleWatts (50) <= BusyWatts (10)", messages, StringComparison.Ordinal);
        Assert.Contains("BackgroundDecode:Nice must be between 0 and 19", messages, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_NameEveryUnreadableSetting_When_ValuesCannotBeConverted()
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        var failure = Assert.Throws<OptionsValidationException>(() => ServingHost.Build(
            ["--model", model, "--max-batch-size", "abc", "--cache", "maybe", "--busy-watts", "lots", "--BackgroundDecode:Nice=high", "--queue-capacity", "99999999999"]));

        Assert.Equal(
            [
                "MaxBatchSize is 'abc', which is not a whole number (up to 2147483647) (set by --max-batch-size, --MaxBatchSize=, INFERENCE_MAXBATCHSIZE or the config file).",
                "QueueCapacity is '99999999999', which is not a whole number (up to 2147483647) (set by --queue-capacity, --QueueCapacity=, INFERENCE_QUEUECAPACITY or the config file).",
                "Cache:Enabled is 'maybe', which is not true or false (set by --cache, --Cache:Enabled=, INFERENCE_CACHE__ENABLED or the config file).",
                "Power:BusyWatts is 'lots', which is not a number such as 2 or 0.5 (set by --busy-watts, --Power:BusyWatts=, INFERENCE_POWER__BUSYWATTS or the config file).",
                "BackgroundDecode:Nice is 'high', which is not a whole number (up to 2147483647) (set by --BackgroundDecode:Nice=, INFERENCE_BACKGROUNDDECODE__NICE or the config file).",
            ],
            failure.Failures);
    }

    [Theory]
    [InlineData(new[] { "--cache", "--max-batch-size", "4", "--allow-cpu-fallback" }, true, true)]
    [InlineData(new[] { "--cache", "false", "--max-batch-size", "4" }, false, false)]
    [InlineData(new[] { "--max-batch-size", "4", "--cache", "true", "--allow-cpu-fallback", "False" }, true, false)]
    public void Should_ReadBooleanShortFormsAsFlags_When_NoValueFollows(string[] args, bool cache, bool fallback)
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        using var app = (IDisposable)ServingHost.Build(["--model", model, "--http-port", "0", "--grpc-port", "0", .. args]);
        var options = ((Microsoft.AspNetCore.Builder.WebApplication)app).Services.GetService(typeof(IOptions<ServingOptions>)) as IOptions<ServingOptions>;

        Assert.Equal(cache, options!.Value.Cache.Enabled);
        Assert.Equal(fallback, options.Value.AllowCpuFallback);
        Assert.Equal(4, options.Value.MaxBatchSize);
    }

    [Theory]
    [InlineData("cpu", "CPU")]
    [InlineData("Cuda", "CUDA")]
    [InlineData("tensorrt", "TensorRT")]
    public void Should_AcceptProviderNamesInAnyCase(string given, string canonical)
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        using var app = (IDisposable)ServingHost.Build(["--model", model, "--http-port", "0", "--grpc-port", "0", "--execution-provider", given]);
        var options = ((Microsoft.AspNetCore.Builder.WebApplication)app).Services.GetService(typeof(IOptions<ServingOptions>)) as IOptions<ServingOptions>;

        Assert.Equal(canonical, options!.Value.ExecutionProvider);
    }

    [Fact]
    public void Should_LayerJsonFileUnderArguments_When_ConfigFileGiven()
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        var file = Path.Combine(TestServer.TempDirectory, "serving.json");
        File.WriteAllText(file, "{\"ModelPath\": \"" + model + "\", \"ModelName\": \"from-file\", \"MaxBatchSize\": 4, \"Cache\": {\"Enabled\": true, \"TtlSeconds\": 5}}");
        using var app = (IDisposable)ServingHost.Build(["--config", file, "--max-batch-size", "16", "--http-port", "0", "--grpc-port", "0"]);
        var options = ((Microsoft.AspNetCore.Builder.WebApplication)app).Services.GetService(typeof(IOptions<ServingOptions>)) as IOptions<ServingOptions>;
        Assert.Equal("from-file", options!.Value.EffectiveModelName);
        Assert.Equal(16, options.Value.MaxBatchSize);
        Assert.True(options.Value.Cache.Enabled);
        Assert.Equal(5, options.Value.Cache.TtlSeconds);
    }

    [Theory]
    [InlineData("max 100000", null)]
    [InlineData("150000 100000", 1.5)]
    [InlineData("200000 100000\n", 2.0)]
    [InlineData("garbage", null)]
    public void Should_ReadCgroupCpuMax(string text, double? expected) => Assert.Equal(expected, CpuLimit.ParseCpuMax(text));

    [Fact]
    public void Should_UseCgroupQuota_When_Present()
    {
        var root = Path.Combine(TestServer.TempDirectory, "cgroup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "cpu.max"), "100000 100000");
        Assert.Equal(1, CpuLimit.Detect(root));

        var v1 = Path.Combine(root, "v1");
        Directory.CreateDirectory(Path.Combine(v1, "cpu"));
        File.WriteAllText(Path.Combine(v1, "cpu", "cpu.cfs_quota_us"), "-1");
        File.WriteAllText(Path.Combine(v1, "cpu", "cpu.cfs_period_us"), "100000");
        Assert.Equal(Environment.ProcessorCount, CpuLimit.Detect(v1));
    }
}
