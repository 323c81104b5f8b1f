using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

/// <summary>The test plays the Job controller and the kubelet: it creates the Job's pod and sets its terminated state.</summary>
public sealed class ProfileJobTests
{
    private static void RunPod(OperatorHarness h, string job, string service, V1ContainerStateTerminated terminated)
    {
        h.Server.Create(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = job + "-x7k2p",
                NamespaceProperty = h.Namespace,
                Labels = new Dictionary<string, string>
                {
                    ["batch.kubernetes.io/job-name"] = job,
                    ["job-name"] = job,
                    ["inferenceoperator.io/role"] = "profile",
                    ["inferenceoperator.io/service"] = service,
                },
            },
            Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "profile", Image = "x" }] },
        });
        h.Server.Mutate<V1Pod>(h.Namespace, job + "-x7k2p", pod => pod.Status = new V1PodStatus
        {
            Phase = terminated.ExitCode == 0 ? "Succeeded" : "Failed",
            ContainerStatuses = [new V1ContainerStatus { Name = "profile", Image = "x", ImageID = "x", Ready = false, RestartCount = 0, State = new V1ContainerState { Terminated = terminated } }],
        });
    }

    [Fact]
    public async Task Should_StoreTheProfileAndDeleteTheJob_When_ProfilingSucceeds()
    {
        await using var h = await OperatorHarness.StartAsync("profile-ok");
        await h.CreateAsync(Samples.Service("svc", hints: false));
        await Await.UntilAsync(() => h.Get<V1Job>("svc-profile") is not null, "the profiling Job exists");
        var job = h.Get<V1Job>("svc-profile")!;
        var args = job.Spec.Template.Spec.Containers.Single().Args;
        Assert.Equal(["model", "profile", "--uri", "https://models.example.com/minilm/model.onnx", "--termination-message"], args);
        Assert.Equal("registry.example/inference-server:test", job.Spec.Template.Spec.Containers.Single().Image);
        await h.UntilConditionAsync("svc", ConditionTypes.ProfileReady, Conditions.False, Reasons.Profiling);
        Assert.Null(h.Get<V1Deployment>("svc"));

        var profile = Samples.MiniLm();
        profile.Sha256 = new string('a', 64);
        RunPod(h, "svc-profile", "svc", new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", Message = KubernetesJson.Serialize(profile) });
        h.Server.Mutate<V1Job>(h.Namespace, "svc-profile", j => j.Status = new V1JobStatus
        {
            Succeeded = 1,
            Conditions = [new V1JobCondition { Type = "Complete", Status = "True" }],
        });

        await h.UntilConditionAsync("svc", ConditionTypes.ProfileReady, Conditions.True, Reasons.Profiled);
        var stored = h.Get("svc")!.Status!.ModelProfile!;
        Assert.Equal(profile.Parameters, stored.Parameters);
        Assert.Equal("https://models.example.com/minilm/model.onnx", stored.Uri);
        Assert.Equal(profile.Sha256, stored.Sha256);
        await Await.UntilAsync(() => h.Get<V1Job>("svc-profile") is null, "the Job is deleted");
        await Await.UntilAsync(() => h.Get<V1Deployment>("svc") is not null, "the workload is planned from the profile and applied");
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == Reasons.Profiled), "a Profiled event is recorded");

        // Adding the checksum the profile already recorded names the same file: no new profile, no write to Jobs.
        await Await.UntilAsync(() => h.Runtime.Controller.Queue.InFlight == 0, "the reconcile finished");
        var jobWrites = h.Server.WriteCalls("batch", "jobs");
        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => s.Spec.Model.Sha256 = profile.Sha256);
        await Await.UntilAsync(() => h.Get("svc")?.Status?.ObservedGeneration == h.Get("svc")?.Metadata.Generation, "the checksum change is observed");
        Assert.Equal(jobWrites, h.Server.WriteCalls("batch", "jobs"));
        await h.UntilConditionAsync("svc", ConditionTypes.ProfileReady, Conditions.True, Reasons.Profiled);

        // A different model file needs a new profile: the stored one describes the old URI and checksum.
        h.Server.Mutate<InferenceService>(h.Namespace, "svc", s => (s.Spec.Model.Uri, s.Spec.Model.Sha256) = ("https://models.example.com/minilm-v2/model.onnx", new string('b', 64)));
        await Await.UntilAsync(() => h.Get<V1Job>("svc-profile")?.Metadata.Annotations["inferenceoperator.io/model-uri"] == "https://models.example.com/minilm-v2/model.onnx", "a new profiling Job runs for the new URI");
        await h.UntilConditionAsync("svc", ConditionTypes.ProfileReady, Conditions.False, Reasons.Profiling);
    }

    [Fact]
    public async Task Should_ReportThePodsReason_And_NotRetryForever_When_ProfilingIsOomKilled()
    {
        await using var h = await OperatorHarness.StartAsync("profile-oom");
        await h.CreateAsync(Samples.Service("svc", hints: false));
        await Await.UntilAsync(() => h.Get<V1Job>("svc-profile") is not null, "the profiling Job exists");

        RunPod(h, "svc-profile", "svc", new V1ContainerStateTerminated { ExitCode = 137, Reason = "OOMKilled" });
        h.Server.Mutate<V1Job>(h.Namespace, "svc-profile", j => j.Status = new V1JobStatus
        {
            Failed = 3,
            Conditions = [new V1JobCondition { Type = "Failed", Status = "True", Reason = "BackoffLimitExceeded", Message = "Job has reached the specified backoff limit" }],
        });

        await h.UntilConditionAsync("svc", ConditionTypes.ProfileReady, Conditions.False, "OOMKilled");
        Assert.Contains("exited with code 137", h.Condition("svc", ConditionTypes.ProfileReady)!.Message, StringComparison.Ordinal);
        Assert.Equal("OOMKilled", h.Condition("svc", ConditionTypes.Ready)!.Reason);
        await Await.UntilAsync(() => h.Events("svc").Any(e => e.Reason == "OOMKilled" && e.Type == "Warning"), "a Warning event carries the pod's reason");
        await Await.UntilAsync(() => h.Runtime.Controller.Queue.InFlight == 0, "the reconcile finished");

        // Terminal until spec.model changes: the failed Job stays, no new one, no Deployment.
        Assert.Equal(1, h.Server.WriteCalls("batch", "jobs"));
        Assert.NotNull(h.Get<V1Job>("svc-profile"));
        Assert.Null(h.Get<V1Deployment>("svc"));
        Assert.Equal(0, h.Runtime.Controller.Queue.Failures(new ObjectKey(h.Namespace, "svc")));
    }
}
