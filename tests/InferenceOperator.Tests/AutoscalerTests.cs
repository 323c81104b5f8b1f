using InferenceOperator.Api;
using InferenceOperator.Desired;
using Xunit;

namespace InferenceOperator.Tests;

public sealed class AutoscalerTests
{
    [Theory]
    // plan: 4 replicas at $2.00/h ($0.50 each) and 100 W (25 W each); requested max 8.
    [InlineData(null, null, 8, false)]
    [InlineData(10.0, null, 8, false)]
    [InlineData(1.6, null, 3, true)]
    [InlineData(2.0, null, 4, true)]
    [InlineData(null, 130.0, 5, true)]
    [InlineData(1.6, 130.0, 3, true)]
    [InlineData(3.0, 60.0, 2, true)]
    public void Should_LowerMaxReplicasToWhatTheBudgetPays(double? maxCost, double? maxWatts, int expectedMax, bool capped)
    {
        var service = Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { MaxReplicas = 8 });

        var plan = Autoscaler.Build(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), Fixtures.Policy(maxCost, maxWatts), Fixtures.Options());

        Assert.Equal(expectedMax, plan.MaxReplicas);
        Assert.Equal(expectedMax, plan.Hpa!.Spec.MaxReplicas);
        Assert.Equal(capped, plan.Cap is not null);
        if (capped)
        {
            Assert.Equal(8, plan.Cap!.Requested);
            Assert.Contains("capped from 8 to", plan.Cap.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_NeverCapBelowTheSloFloor_And_SaySo()
    {
        var service = Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { MaxReplicas = 8 });

        // $0.60/h pays for one $0.50 replica; slo.minReplicas is 2.
        var plan = Autoscaler.Build(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), Fixtures.Policy(maxCost: 0.6), Fixtures.Options());

        Assert.Equal(2, plan.MinReplicas);
        Assert.Equal(2, plan.MaxReplicas);
        Assert.Contains("the budget pays for 1 but minReplicas is 2", plan.Cap!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_KeepMinReplicasAtTheSloFloor_When_AutoscalingAsksForFewer()
    {
        var service = Fixtures.Service(spec =>
        {
            spec.Slo.MinReplicas = 3;
            spec.Autoscaling = new AutoscalingSpec { MinReplicas = 1, MaxReplicas = 9 };
        });

        var plan = Autoscaler.Build(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), null, Fixtures.Options());

        Assert.Equal(3, plan.Hpa!.Spec.MinReplicas);
    }

    [Theory]
    [InlineData("cpu-x86", ScalingMetric.Cpu)]
    [InlineData("nvidia-t4", ScalingMetric.GpuUtilization)]
    public void Should_DefaultToCpuOnCpuPlans_And_GpuUtilizationOnGpuPlans(string accelerator, ScalingMetric expected)
    {
        var plan = Autoscaler.Build(Fixtures.Service(), Fixtures.Plan(accelerator), Fixtures.Accelerator(accelerator), null, Fixtures.Options());

        Assert.Equal(expected, plan.Metric);
        Assert.Equal(70, plan.Target);
        Assert.Equal(AutoscalingEngine.Hpa, plan.Engine);
        Assert.Null(plan.DeploymentReplicas);
    }

    [Fact]
    public void Should_TargetThePlannedThroughputLessHeadroom_When_ScalingOnRequests()
    {
        var service = Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { Metric = ScalingMetric.Requests });

        var plan = Autoscaler.Build(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), Fixtures.Policy(headroom: 25), Fixtures.Options());

        // 110 rps per replica x (1 - 0.25).
        Assert.Equal(82.5, plan.Target);
        var metric = Assert.Single(plan.Hpa!.Spec.Metrics);
        Assert.Equal("Pods", metric.Type);
        Assert.Equal("inference_requests_per_second", metric.Pods.Metric.Name);
        Assert.Equal(82.5m, metric.Pods.Target.AverageValue.ToDecimal());
    }

    [Fact]
    public void Should_AllowScaleToZero_Only_ForKedaOnRequests()
    {
        var zero = Autoscaler.Build(
            Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.Keda, Metric = ScalingMetric.Requests, MinReplicas = 0 }),
            Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), null, Fixtures.Options());
        var queue = Autoscaler.Build(
            Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.Keda, Metric = ScalingMetric.QueueDepth, MinReplicas = 0 }),
            Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), null, Fixtures.Options());

        Assert.Equal(0, zero.ScaledObject!.Spec.MinReplicaCount);
        Assert.Equal("0", zero.ScaledObject.Spec.Triggers[0].Metadata["activationThreshold"]);
        Assert.Contains("nginx_ingress_controller_requests", zero.ScaledObject.Spec.Triggers[0].Metadata["query"], StringComparison.Ordinal);
        Assert.Equal(2, queue.ScaledObject!.Spec.MinReplicaCount);
    }

    [Fact]
    public void Should_ScaleUpFast_And_StabiliseScaleDown_WithOverrides()
    {
        var defaults = Autoscaler.Behavior(null);
        var custom = Autoscaler.Behavior(new AutoscalingSpec { ScaleDownStabilizationSeconds = 60, ScaleUpStabilizationSeconds = 30 });

        Assert.Equal(0, defaults.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal(300, defaults.ScaleDown.StabilizationWindowSeconds);
        Assert.Contains(defaults.ScaleUp.Policies, p => p.Type == "Percent" && p.Value == 100 && p.PeriodSeconds == 15);
        Assert.Equal(30, custom.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal(60, custom.ScaleDown.StabilizationWindowSeconds);
    }

    [Fact]
    public void Should_UseThePlansReplicas_When_EngineIsNone()
    {
        var plan = Autoscaler.Build(Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.None }), Fixtures.Plan(replicas: 5), Fixtures.Accelerator("cpu-x86"), null, Fixtures.Options());

        Assert.Equal(5, plan.DeploymentReplicas);
        Assert.Null(plan.Hpa);
        Assert.Null(plan.ScaledObject);
    }

    [Fact]
    public void Should_UseTheConfiguredGpuMetricName_Unless_TheSpecNamesOne()
    {
        var options = Fixtures.Options();
        options.GpuUtilizationMetric = "gpu_busy_percent";
        var byOptions = Autoscaler.Build(Fixtures.Service(), Fixtures.Plan("nvidia-t4"), Fixtures.Accelerator("nvidia-t4"), null, options);
        var bySpec = Autoscaler.Build(Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { MetricName = "custom_util" }), Fixtures.Plan("nvidia-t4"), Fixtures.Accelerator("nvidia-t4"), null, options);

        Assert.Equal("gpu_busy_percent", byOptions.Hpa!.Spec.Metrics[0].Pods.Metric.Name);
        Assert.Equal("custom_util", bySpec.Hpa!.Spec.Metrics[0].Pods.Metric.Name);
    }
}
