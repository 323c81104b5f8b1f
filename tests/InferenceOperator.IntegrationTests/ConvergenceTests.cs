using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

public sealed class ConvergenceTests
{
    [Fact]
    public async Task Should_CreateOwnedObjectsAndStatus_When_ServiceIsCreated()
    {
        await using var h = await OperatorHarness.StartAsync("converge");
        var created = await h.CreateAsync(Samples.Service("minilm", spec => spec.Slo.MinReplicas = 2));

        await h.UntilConditionAsync("minilm", ConditionTypes.PlanReady, Conditions.True, Reasons.Planned);
        await Await.UntilAsync(() => h.Get<V2HorizontalPodAutoscaler>("minilm") is not null, "the HPA exists");

        var service = h.Get("minilm")!;
        var plan = service.Status!.Plan!;
        Assert.Equal(created.Metadata.Generation, service.Status.ObservedGeneration);
        Assert.NotNull(plan.Accelerator);
        Assert.Equal("http://minilm.converge.svc.cluster.local:8080/v2/models/minilm", service.Status.Endpoint);
        Assert.All(service.Status.Conditions!, c => Assert.Equal(created.Metadata.Generation, c.ObservedGeneration));

        var deployment = h.Get<V1Deployment>("minilm")!;
        var configMap = h.Get<V1ConfigMap>("minilm-engine")!;
        var kubeService = h.Get<V1Service>("minilm")!;
        var budget = h.Get<V1PodDisruptionBudget>("minilm")!;
        var hpa = h.Get<V2HorizontalPodAutoscaler>("minilm")!;
        foreach (var meta in new[] { deployment.Metadata, configMap.Metadata, kubeService.Metadata, budget.Metadata, hpa.Metadata })
        {
            var owner = Assert.Single(meta.OwnerReferences);
            Assert.True(owner.Controller);
            Assert.Equal(created.Metadata.Uid, owner.Uid);
            Assert.Equal(plan.Accelerator, meta.Labels["inferenceoperator.io/accelerator"]);
        }

        // The HPA owns the replica count: the Deployment never sends one.
        Assert.Null(deployment.Spec.Replicas);
        Assert.Equal(2, hpa.Spec.MinReplicas);
        Assert.Equal("minilm", hpa.Spec.ScaleTargetRef.Name);
        Assert.Equal("fetch-model", Assert.Single(deployment.Spec.Template.Spec.InitContainers).Name);
        Assert.Contains("config.json", configMap.Data.Keys);
        Assert.Equal(["http", "grpc"], kubeService.Spec.Ports.Select(p => p.Name));

        // Ready follows the Deployment.
        Assert.Equal(Reasons.Progressing, h.Condition("minilm", ConditionTypes.WorkloadReady)!.Reason);
        h.MarkDeploymentReady("minilm", scaled: 2);
        await h.UntilConditionAsync("minilm", ConditionTypes.Ready, Conditions.True);
        Assert.Equal(2, h.Get("minilm")!.Status!.ReadyReplicas);
        await Await.UntilAsync(() => h.Events("minilm").Any(e => e.Reason == "PlanChanged"), "a PlanChanged event is recorded");
        Assert.Contains("inferenceservice_planned_cost_dollars_per_hour{namespace=\"converge\",service=\"minilm\"", await h.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_MakeZeroWriteCalls_When_AConvergedServiceIsResynced()
    {
        await using var h = await OperatorHarness.StartAsync("resync");
        await h.ConvergeSteadyServiceAsync("steady");

        h.Server.ResetCounters();
        for (var i = 0; i < 3; i++)
        {
            var result = await h.Runtime.Reconciler.ReconcileAsync(new ObjectKey(h.Namespace, "steady"), default);
            Assert.True(result.IsSuccess);
            Assert.Null(result.RequeueAfter);
        }

        Assert.Equal(0, h.Server.TotalWriteCalls);
    }
}
