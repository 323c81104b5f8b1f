using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

public sealed class ReplanTests
{
    [Fact]
    public async Task Should_Replan_When_TheSpecChanges()
    {
        await using var h = await OperatorHarness.StartAsync("spec-change");
        await h.CreateAsync(Samples.Service("svc"));
        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.True);
        Assert.Equal("cpu-x86", h.Get("svc")!.Status!.Plan!.Accelerator);

        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => s.Spec.Accelerator = "nvidia-t4");

        await Await.UntilAsync(() => h.Get<V1Deployment>("svc")?.Metadata.Labels["inferenceoperator.io/accelerator"] == "nvidia-t4", "the Deployment moves to the pinned accelerator");
        await Await.UntilAsync(() => h.Get("svc")?.Status?.Plan?.Accelerator == "nvidia-t4", "status.plan names the pinned accelerator");
        var service = h.Get("svc")!;
        Assert.Equal(service.Metadata.Generation, service.Status!.ObservedGeneration);
        var server = h.Get<V1Deployment>("svc")!.Spec.Template.Spec.Containers.Single();
        Assert.Equal(1m, server.Resources.Limits["nvidia.com/gpu"].ToDecimal());
        Assert.Equal("Tesla-T4", h.Get<V1Deployment>("svc")!.Spec.Template.Spec.NodeSelector["nvidia.com/gpu.product"]);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == "PlanChanged" && e.Note.Contains("nvidia-t4", StringComparison.Ordinal)), "a PlanChanged event names the new plan");
    }

    [Fact]
    public async Task Should_ReplanOnlyTheServicesOfAPolicy_When_ThePolicyChanges()
    {
        await using var h = await OperatorHarness.StartAsync("policy-change");
        var policies = h.Runtime.Clients.Policies;
        await policies.CreateAsync(Samples.Policy(h.Namespace, "pa"), default);
        await policies.CreateAsync(Samples.Policy(h.Namespace, "pb"), default);
        await h.CreateAsync(Samples.Service("a", spec => spec.PolicyRef = new PolicyReference { Name = "pa" }));
        await h.CreateAsync(Samples.Service("b", spec => spec.PolicyRef = new PolicyReference { Name = "pb" }));
        await h.UntilConditionAsync("a", ConditionTypes.PlanReady, Conditions.True);
        await h.UntilConditionAsync("b", ConditionTypes.PlanReady, Conditions.True);
        await Await.UntilAsync(() => h.Runtime.Controller.Queue is { InFlight: 0, Depth: 0 }, "no reconcile is running or waiting");
        var bStatus = h.Get("b")!.Metadata.ResourceVersion;
        var bDeployment = h.Get<V1Deployment>("b")!.Metadata.ResourceVersion;

        // Every reconcile of b reads b's (absent) ScaledObject: the request log counts b's reconciles.
        int ReconcilesOfB() => h.Server.Requests.Count(r => r.Contains($"/namespaces/{h.Namespace}/scaledobjects/b", StringComparison.Ordinal));
        var before = ReconcilesOfB();
        h.Server.Mutate<InferencePolicy>(h.Namespace, "pa", p => p.Spec.AllowedAccelerators = ["nvidia-l4"]);

        await Await.UntilAsync(() => h.Get("a")?.Status?.Plan?.Accelerator == "nvidia-l4", "a is replanned onto the only accelerator its policy allows");
        await Await.UntilAsync(() => h.Get<V1Deployment>("a")?.Metadata.Labels["inferenceoperator.io/accelerator"] == "nvidia-l4", "a's Deployment follows");
        Assert.Equal(before, ReconcilesOfB());
        Assert.Equal(bStatus, h.Get("b")!.Metadata.ResourceVersion);
        Assert.Equal(bDeployment, h.Get<V1Deployment>("b")!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Should_ReportPolicyNotFound_And_PlanOnceThePolicyAppears()
    {
        await using var h = await OperatorHarness.StartAsync("policy-missing");
        await h.CreateAsync(Samples.Service("svc", spec => spec.PolicyRef = new PolicyReference { Name = "later" }));

        await h.UntilConditionAsync("svc", ConditionTypes.Ready, Conditions.False, Reasons.PolicyNotFound);
        Assert.Contains("'later'", h.Condition("svc", ConditionTypes.PlanReady)!.Message, StringComparison.Ordinal);
        Assert.Null(h.Get<V1Deployment>("svc"));
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == Reasons.PolicyNotFound && e.Type == "Warning"), "a Warning event says so");

        await h.Runtime.Clients.Policies.CreateAsync(Samples.Policy(h.Namespace, "later"), default);

        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.True);
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc") is not null, "the workload is applied");
    }

    [Fact]
    public async Task Should_ReportNoAcceleratorProfiles_When_TheCatalogIsMissing()
    {
        await using var h = await OperatorHarness.StartAsync("no-catalog", catalog: false);
        await h.CreateAsync(Samples.Service("svc"));

        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.False, Reasons.NoAcceleratorProfiles);
        Assert.Contains("config/catalog", h.Condition("svc", ConditionTypes.PlanReady)!.Message, StringComparison.Ordinal);

        await h.Runtime.Clients.Accelerators.CreateAsync(ApiMapping.CatalogMapping.DefaultCatalog().First(a => a.Metadata.Name == "cpu-x86"), default);
        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.True);
    }

    [Fact]
    public async Task Should_ReportNoFeasiblePlan_AndApplyNothing_When_TheSloCannotBeMet()
    {
        await using var h = await OperatorHarness.StartAsync("infeasible");
        await h.CreateAsync(Samples.Service("svc", spec => spec.Slo.LatencyP95Ms = 0.01));

        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.False, Reasons.NoFeasiblePlan);
        Assert.False(string.IsNullOrWhiteSpace(h.Get("svc")!.Status!.Plan!.Explanation));
        Assert.Null(h.Get<V1Deployment>("svc"));
        Assert.Null(h.Get<V1ConfigMap>("svc-engine"));
    }
}
