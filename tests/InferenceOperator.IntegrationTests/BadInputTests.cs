using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

/// <summary>Input a user gets wrong: each is a condition with a reason and message to act on, and a Warning Event.</summary>
public sealed class BadInputTests
{
    /// <summary>Plays the ReplicaSet controller and the kubelet: a pod from the Deployment's template, in this init-container state.</summary>
    private static void RunServingPod(OperatorHarness h, string deployment, string pod, V1ContainerStatus fetch)
    {
        var template = h.Get<V1Deployment>(deployment)!.Spec.Template;
        h.Server.Create(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = h.Namespace, Labels = template.Metadata.Labels },
            Spec = template.Spec,
        });
        SetFetchState(h, pod, fetch);
    }

    private static void SetFetchState(OperatorHarness h, string pod, V1ContainerStatus fetch) =>
        h.Server.Mutate<V1Pod>(h.Namespace, pod, p => p.Status = new V1PodStatus { Phase = "Pending", InitContainerStatuses = [fetch] });

    [Fact]
    public async Task Should_ReportTheInitContainersFailure_When_TheModelCannotBeFetchedOrVerified()
    {
        await using var h = await OperatorHarness.StartAsync("fetch-fails");
        await h.CreateAsync(Samples.Service("svc"));
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc") is not null, "the Deployment exists");

        RunServingPod(h, "svc", "svc-5f7c9-abcde", new V1ContainerStatus
        {
            Name = "fetch-model",
            RestartCount = 3,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
            LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 2, Reason = "Error", Message = "sha256 mismatch for https://models.example.com/minilm/model.onnx: expected 1111…, got 9f86…" } },
        });

        await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, "ModelFetchFailed");
        var message = h.Condition("svc", ConditionTypes.WorkloadReady)!.Message;
        Assert.Contains("svc-5f7c9-abcde", message, StringComparison.Ordinal);
        Assert.Contains("sha256 mismatch", message, StringComparison.Ordinal);
        Assert.Equal("ModelFetchFailed", h.Condition("svc", ConditionTypes.Ready)!.Reason);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == "ModelFetchFailed" && e.Type == "Warning" && e.Note.Contains("sha256 mismatch", StringComparison.Ordinal)), "a Warning event carries the init container's message");

        // The fetch succeeds on a later try (the file was fixed upstream): back to waiting for replicas.
        SetFetchState(h, "svc-5f7c9-abcde", new V1ContainerStatus { Name = "fetch-model", RestartCount = 4, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed" } } });
        await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, Reasons.Progressing);
    }

    [Fact]
    public async Task Should_ReportAcceleratorProfileNotFound_And_PlanOnceTheProfileExists()
    {
        await using var h = await OperatorHarness.StartAsync("pinned-missing");
        await h.CreateAsync(Samples.Service("svc", spec => spec.Accelerator = "edge-npu"));

        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.False, Reasons.AcceleratorProfileNotFound);
        Assert.Contains("'edge-npu'", h.Condition("svc", ConditionTypes.PlanReady)!.Message, StringComparison.Ordinal);
        Assert.Contains("cpu-x86", h.Condition("svc", ConditionTypes.PlanReady)!.Message, StringComparison.Ordinal);
        Assert.Equal(Reasons.AcceleratorProfileNotFound, h.Condition("svc", ConditionTypes.Ready)!.Reason);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == Reasons.AcceleratorProfileNotFound && e.Type == "Warning"), "a Warning event says so");
        Assert.Null(h.Get<V1Deployment>("svc"));

        var profile = CatalogMapping.DefaultCatalog().First(a => a.Metadata.Name == "cpu-x86");
        profile.Metadata = new V1ObjectMeta { Name = "edge-npu" };
        await h.Runtime.Clients.Accelerators.CreateAsync(profile, default);

        await h.UntilConditionAsync("svc", ConditionTypes.PlanReady, Conditions.True);
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc")?.Metadata.Labels["inferenceoperator.io/accelerator"] == "edge-npu", "the workload runs on the new profile");
    }

    [Fact]
    public async Task Should_CopyTheDeploymentsReason_When_ItsRolloutStalls()
    {
        await using var h = await OperatorHarness.StartAsync("stalled");
        await h.CreateAsync(Samples.Service("svc"));
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc") is not null, "the Deployment exists");

        h.Server.Mutate<V1Deployment>(h.Namespace, "svc", d => d.Status = new V1DeploymentStatus
        {
            Replicas = 1,
            UnavailableReplicas = 1,
            Conditions = [new V1DeploymentCondition { Type = "Progressing", Status = "False", Reason = "ProgressDeadlineExceeded", Message = "ReplicaSet \"svc-5f7c9\" has timed out progressing." }],
        });

        await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, "ProgressDeadlineExceeded");
        Assert.Contains("timed out progressing", h.Condition("svc", ConditionTypes.WorkloadReady)!.Message, StringComparison.Ordinal);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == "ProgressDeadlineExceeded" && e.Type == "Warning"), "a Warning event reports the stall");
    }

    [Fact]
    public async Task Should_KeepAPodDisruptionBudget_Only_WhileMoreThanOneReplicaRuns()
    {
        await using var h = await OperatorHarness.StartAsync("pdb");
        await h.CreateAsync(Samples.Service("svc", spec => spec.Slo.MinReplicas = 2));
        await Await.UntilAsync(() => h.Get<V1PodDisruptionBudget>("svc") is not null, "two replicas get a PodDisruptionBudget");
        Assert.Equal("1", h.Get<V1PodDisruptionBudget>("svc")!.Spec.MaxUnavailable.Value);

        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => s.Spec.Slo.MinReplicas = 1);

        await Await.UntilAsync(() => h.Get<V1PodDisruptionBudget>("svc") is null, "one replica needs none: the budget goes");
        Assert.NotNull(h.Get<V1Deployment>("svc"));
    }
}
