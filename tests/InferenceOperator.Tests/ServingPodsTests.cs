using InferenceOperator.Desired;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Tests;

public sealed class ServingPodsTests
{
    private static V1Pod Pod(string name, V1ContainerStatus state, string? uri = null, string? sha = null)
    {
        var service = Fixtures.Service();
        var template = ServingDeployment.Build(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), EngineConfig.For(service, Fixtures.Plan(), Fixtures.Accelerator("cpu-x86"), Fixtures.Options()), Fixtures.Options(), 2).Spec.Template;
        var init = template.Spec.InitContainers.Single();
        if (uri is not null)
        {
            init.Args[init.Args.IndexOf("--uri") + 1] = uri;
        }

        if (sha is not null)
        {
            init.Args[init.Args.IndexOf("--sha256") + 1] = sha;
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "search", Labels = template.Metadata.Labels },
            Spec = template.Spec,
            Status = new V1PodStatus { Phase = "Pending", InitContainerStatuses = [state] },
        };
    }

    private static V1ContainerStatus Failed(string message, int restarts = 0) => new()
    {
        Name = "fetch-model",
        RestartCount = restarts,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
        LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 3, Reason = "Error", Message = message } },
    };

    [Fact]
    public void Should_ReportTheInitContainersMessage_When_TheChecksumDoesNotMatch()
    {
        var failure = ServingPods.FetchFailure(Fixtures.Service(), [Pod("minilm-7d9-x1", Failed("sha256 mismatch: expected aaaa…, got 3f2c…", restarts: 2))]);

        Assert.NotNull(failure);
        Assert.Equal(ServingPods.ModelFetchFailed, failure.Value.Reason);
        Assert.Contains("minilm-7d9-x1", failure.Value.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3 (Error, 2 restarts): sha256 mismatch", failure.Value.Message, StringComparison.Ordinal);
        Assert.Contains("spec.model.sha256", failure.Value.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ReportAFailureThatIsHappeningNow_And_AnImagePullProblem()
    {
        var terminated = new V1ContainerStatus { Name = "fetch-model", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", Message = "GET https://models.example.com/minilm/model.onnx: connection refused" } } };
        var pulling = new V1ContainerStatus { Name = "fetch-model", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image" } } };

        Assert.Contains("connection refused", ServingPods.FetchFailure(Fixtures.Service(), [Pod("a", terminated)])!.Value.Message, StringComparison.Ordinal);
        Assert.Equal("ImagePullBackOff", ServingPods.FetchFailure(Fixtures.Service(), [Pod("a", pulling)])!.Value.Reason);
    }

    [Fact]
    public void Should_IgnorePodsOfAnOlderModel_And_HealthyOrRunningFetches()
    {
        var running = new V1ContainerStatus { Name = "fetch-model", State = new V1ContainerState { Running = new V1ContainerStateRunning() } };
        var done = new V1ContainerStatus { Name = "fetch-model", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed" } } };

        Assert.Null(ServingPods.FetchFailure(Fixtures.Service(), [
            Pod("old-uri", Failed("404"), uri: "https://models.example.com/old.onnx"),
            Pod("old-sha", Failed("mismatch"), sha: new string('b', 64)),
            Pod("running", running),
            Pod("done", done),
        ]));
    }
}
