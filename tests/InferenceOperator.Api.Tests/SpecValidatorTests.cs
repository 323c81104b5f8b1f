using System.Reflection;
using InferenceOperator.Api.Schema;
using InferenceOperator.Api.Validation;
using Xunit;

namespace InferenceOperator.Api.Tests;

public sealed class SpecValidatorTests
{
    [Fact]
    public void Should_AcceptValidObjects()
    {
        Assert.Empty(SpecValidator.Validate(Fixtures.Service()));
        Assert.Empty(SpecValidator.Validate(Fixtures.Policy()));
        Assert.Empty(SpecValidator.Validate(Fixtures.Gpu()));
    }

    public static TheoryData<string, Action<InferenceService>> BrokenServices => new()
    {
        { "spec.model.uri", s => s.Spec.Model.Uri = "" },
        { "spec.model.uri", s => s.Spec.Model.Uri = "ftp://models/x.onnx" },
        { "spec.model.sha256", s => s.Spec.Model.Sha256 = "ABC" },
        { "spec.model.sha256", s => s.Spec.Model.Uri = "http://models.internal/x.onnx" },
        { "spec.slo.latencyP95Ms", s => s.Spec.Slo.LatencyP95Ms = 0 },
        { "spec.slo.latencyP95Ms", s => s.Spec.Slo.LatencyP95Ms = double.NaN },
        { "spec.slo.throughputRps", s => s.Spec.Slo.ThroughputRps = -5 },
        { "spec.slo.minReplicas", s => s.Spec.Slo.MinReplicas = 0 },
        { "spec.slo.minReplicas", s => s.Spec.Slo.MinReplicas = 9 },
        { "spec.batching.maxBatchSize", s => s.Spec.Batching!.MaxBatchSize = 0 },
        { "spec.batching.maxQueueDelayMs", s => s.Spec.Batching!.MaxQueueDelayMs = 100 },
        { "spec.autoscaling.minReplicas", s => s.Spec.Autoscaling!.MinReplicas = 10 },
        { "spec.autoscaling.minReplicas", s => s.Spec.Autoscaling!.MinReplicas = 0 },
        { "spec.autoscaling.target", s => s.Spec.Autoscaling!.Target = 150 },
        { "spec.accelerator", s => s.Spec.Accelerator = "Nvidia L4" },
        { "spec.policyRef.name", s => s.Spec.PolicyRef!.Name = "" },
    };

    [Theory]
    [MemberData(nameof(BrokenServices))]
    public void Should_NameTheField_When_ServiceSpecIsInvalid(string field, Action<InferenceService> breakIt)
    {
        var service = Fixtures.Service();
        breakIt(service);

        var errors = SpecValidator.Validate(service);

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Should_AllowScaleToZero_Only_WithKedaOnRequests()
    {
        var service = Fixtures.Service();
        service.Spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.Keda, Metric = ScalingMetric.Requests, MinReplicas = 0, MaxReplicas = 4 };

        Assert.Empty(SpecValidator.Validate(service));
    }

    [Theory]
    [InlineData("spec.weights")]
    [InlineData("spec.budgets.maxCostPerHour")]
    [InlineData("spec.quality.minCosineSimilarity")]
    [InlineData("spec.allowedPrecisions")]
    public void Should_NameTheField_When_PolicyIsInvalid(string field)
    {
        var policy = Fixtures.Policy();
        switch (field)
        {
            case "spec.weights": policy.Spec.Objective = Objective.Balanced; break;
            case "spec.budgets.maxCostPerHour": policy.Spec.Budgets!.MaxCostPerHour = 0; break;
            case "spec.quality.minCosineSimilarity": policy.Spec.Quality!.MinCosineSimilarity = 1.5; break;
            default: policy.Spec.AllowedPrecisions = []; break;
        }

        Assert.Equal(field, Assert.Single(SpecValidator.Validate(policy)).Field);
    }

    [Theory]
    [InlineData("spec.resourceName")]
    [InlineData("spec.cpu")]
    [InlineData("spec.idlePowerWatts")]
    [InlineData("spec.memoryBandwidthGBps")]
    public void Should_NameTheField_When_AcceleratorProfileIsInvalid(string field)
    {
        var profile = Fixtures.Gpu();
        switch (field)
        {
            case "spec.resourceName": profile.Spec.ResourceName = null; break;
            case "spec.cpu": profile.Spec.ExecutionProvider = ExecutionProvider.Cpu; profile.Spec.ResourceName = null; break;
            case "spec.idlePowerWatts": profile.Spec.IdlePowerWatts = 100; break;
            default: profile.Spec.MemoryBandwidthGBps = 0; break;
        }

        Assert.Equal(field, Assert.Single(SpecValidator.Validate(profile)).Field);
    }

    [Fact]
    public void Should_ReportEveryCelRuleWithItsOwnMessage_SoClusterAndOperatorAgree()
    {
        var celMessages = typeof(InferenceService).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<ValidationRuleAttribute>())
            .Select(r => r.Message)
            .ToHashSet(StringComparer.Ordinal);

        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in BrokenServices)
        {
            var service = Fixtures.Service();
            ((Action<InferenceService>)row[1])(service);
            produced.UnionWith(SpecValidator.Validate(service).Select(e => e.Message));
        }

        var balanced = Fixtures.Policy();
        balanced.Spec.Objective = Objective.Balanced;
        produced.UnionWith(SpecValidator.Validate(balanced).Select(e => e.Message));
        foreach (var breakIt in new Action<AcceleratorProfile>[]
                 {
                     p => p.Spec.ResourceName = null,
                     p => { p.Spec.ExecutionProvider = ExecutionProvider.Cpu; p.Spec.ResourceName = null; },
                     p => p.Spec.IdlePowerWatts = 500,
                 })
        {
            var profile = Fixtures.Gpu();
            breakIt(profile);
            produced.UnionWith(SpecValidator.Validate(profile).Select(e => e.Message));
        }

        var autoscalingTarget = Fixtures.Service();
        autoscalingTarget.Spec.Autoscaling!.Target = 101;
        produced.UnionWith(SpecValidator.Validate(autoscalingTarget).Select(e => e.Message));

        Assert.Empty(celMessages.Except(produced));
    }
}
