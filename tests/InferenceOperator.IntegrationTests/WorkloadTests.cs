using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

public sealed class WorkloadTests
{
    [Fact]
    public async Task Should_RestoreTheDeployment_When_ItIsEditedByHand()
    {
        await using var h = await OperatorHarness.StartAsync("drift");
        await h.CreateAsync(Samples.Service("svc"));
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc") is not null, "the Deployment exists");
        var image = h.Get<V1Deployment>("svc")!.Spec.Template.Spec.Containers[0].Image;

        h.Server.Mutate<V1Deployment>(h.Namespace, "svc", d =>
        {
            d.Spec.Template.Spec.Containers[0].Image = "someone/else:latest";
            d.Spec.Template.Spec.Containers[0].Resources.Limits["memory"] = new ResourceQuantity("1Mi");
        }, manager: "kubectl-edit");

        await Await.UntilAsync(() => h.Get<V1Deployment>("svc")!.Spec.Template.Spec.Containers[0].Image == image, "the image is restored");
        Assert.Equal(new ResourceQuantity("16Gi").ToDecimal(), h.Get<V1Deployment>("svc")!.Spec.Template.Spec.Containers[0].Resources.Limits["memory"].ToDecimal());
    }

    [Fact]
    public async Task Should_RemoveTheOldAutoscaler_When_TheEngineIsSwitched()
    {
        await using var h = await OperatorHarness.StartAsync("engines", keda: true);
        await h.CreateAsync(Samples.Service("svc", spec => spec.Slo.MinReplicas = 2));
        await Await.UntilAsync(() => h.Get<V2HorizontalPodAutoscaler>("svc") is not null, "the HPA exists");

        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => s.Spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.Keda, Metric = ScalingMetric.QueueDepth, MaxReplicas = 6 });
        await Await.UntilAsync(() => h.Get<Desired.ScaledObject>("svc") is not null && h.Get<V2HorizontalPodAutoscaler>("svc") is null, "the ScaledObject replaces the HPA");
        var scaled = h.Get<Desired.ScaledObject>("svc")!;
        Assert.Equal(2, scaled.Spec.MinReplicaCount);
        Assert.Equal(6, scaled.Spec.MaxReplicaCount);
        Assert.Equal("prometheus", Assert.Single(scaled.Spec.Triggers).Type);
        Assert.Null(h.Get<V1Deployment>("svc")!.Spec.Replicas);

        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => s.Spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.None });
        await Await.UntilAsync(() => h.Get<Desired.ScaledObject>("svc") is null && h.Get<V1Deployment>("svc")?.Spec.Replicas is not null, "the ScaledObject goes and the Deployment owns its replicas");
        Assert.Equal(h.Get("svc")!.Status!.Plan!.Replicas, h.Get<V1Deployment>("svc")!.Spec.Replicas);
        await h.UntilConditionAsync("svc", ConditionTypes.AutoscalerReady, Conditions.True, Reasons.FixedReplicas);
    }

    [Fact]
    public async Task Should_CapMaxReplicas_When_ThePolicyBudgetBinds()
    {
        await using var h = await OperatorHarness.StartAsync("budget");
        await h.Runtime.Clients.Policies.CreateAsync(Samples.Policy(h.Namespace, "tight", p => p.Budgets = new Budgets { MaxCostPerHour = 0.7 }), default);
        await h.CreateAsync(Samples.Service("svc", spec =>
        {
            spec.PolicyRef = new PolicyReference { Name = "tight" };
            spec.Autoscaling = new AutoscalingSpec { MaxReplicas = 20 };
        }));

        await h.UntilConditionAsync("svc", ConditionTypes.AutoscalerReady, Conditions.True, Reasons.BudgetCapped);
        var hpa = h.Get<V2HorizontalPodAutoscaler>("svc")!;
        Assert.InRange(hpa.Spec.MaxReplicas, 1, 19);
        Assert.Contains("maxCostPerHour", h.Condition("svc", ConditionTypes.AutoscalerReady)!.Message, StringComparison.Ordinal);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == Reasons.BudgetCapped && e.Type == "Warning"), "a Warning event reports the cap");
    }

    [Fact]
    public async Task Should_RefuseToTakeOver_When_AnotherObjectHasTheName()
    {
        await using var h = await OperatorHarness.StartAsync("conflict");
        h.Server.Create(
            new V1Deployment
            {
                ApiVersion = "apps/v1",
                Kind = "Deployment",
                Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = h.Namespace },
                Spec = new V1DeploymentSpec
                {
                    Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "theirs" } },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "theirs" } },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "theirs", Image = "theirs:1" }] },
                    },
                },
            },
            manager: "someone-else");
        await h.CreateAsync(Samples.Service("svc"));

        await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, Reasons.NameConflict);
        Assert.Equal("theirs:1", h.Get<V1Deployment>("svc")!.Spec.Template.Spec.Containers[0].Image);
        Assert.Null(h.Get<V1ConfigMap>("svc-engine"));
        Assert.Null(h.Get<V1Service>("svc"));
    }

    [Fact]
    public async Task Should_WriteInvalidSpecOnce_And_NotRetry()
    {
        await using var h = await OperatorHarness.StartAsync("invalid");
        await h.CreateAsync(Samples.Service("svc", spec => spec.Batching = new BatchingSpec { MaxQueueDelayMs = 500 }));

        await h.UntilConditionAsync("svc", ConditionTypes.Ready, Conditions.False, Reasons.InvalidSpec);
        Assert.Contains("spec.batching.maxQueueDelayMs", h.Condition("svc", ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        await Await.UntilAsync(() => h.Runtime.Controller.Queue.InFlight == 0, "the reconcile finished");

        // Nothing is scheduled again: the key only comes back when the spec changes.
        Assert.Equal(0, h.Runtime.Controller.Queue.Depth);
        Assert.Equal(0, h.Runtime.Controller.Queue.Failures(new ObjectKey(h.Namespace, "svc")));
        Assert.Null(h.Get<V1Deployment>("svc"));
        // Two writes to InferenceServices in all: the test's create and the one status patch.
        Assert.Equal(2, h.Server.WriteCalls<InferenceService>());
    }

    [Fact]
    public async Task Should_DropTheServicesMetrics_When_TheServiceIsDeleted()
    {
        await using var h = await OperatorHarness.StartAsync("delete");
        await h.CreateAsync(Samples.Service("svc"));
        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.True);
        Assert.Contains("service=\"svc\"", await h.ScrapeAsync(), StringComparison.Ordinal);

        await h.Services.DeleteAsync(h.Namespace, "svc", default);

        await Await.UntilAsync(() => !h.ScrapeAsync().GetAwaiter().GetResult().Contains("service=\"svc\"", StringComparison.Ordinal), "the planned-cost series are removed");
        Assert.Null(h.Runtime.Services.Get(new ObjectKey(h.Namespace, "svc")));
    }
}
