using InferenceOperator.Controllers;
using InferenceOperator.Desired;
using k8s;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Tests;

public sealed class ProfileJobTests
{
    private static V1Job Job(string condition, string? reason = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "minilm-profile", NamespaceProperty = "search", Uid = "job-uid" },
        Status = new V1JobStatus { Conditions = condition.Length == 0 ? [] : [new V1JobCondition { Type = condition, Status = "True", Reason = reason }] },
    };

    private static V1Pod Pod(int exitCode, string? reason, string? message) => new()
    {
        Metadata = new V1ObjectMeta { Name = "minilm-profile-abcde", NamespaceProperty = "search", Labels = new Dictionary<string, string> { ["batch.kubernetes.io/job-name"] = "minilm-profile" } },
        Status = new V1PodStatus
        {
            ContainerStatuses = [new V1ContainerStatus { Name = "profile", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = reason, Message = message } } }],
        },
    };

    [Fact]
    public void Should_ReadTheProfile_From_TheTerminationMessage()
    {
        var message = KubernetesJson.Serialize(new Api.ModelProfile { Parameters = 11_000_000, FlopsPerInference = 1.8e9 });

        var outcome = ProfileJob.Outcome(Job("Complete"), [Pod(0, "Completed", message)]);

        Assert.Equal(11_000_000, Assert.IsType<ProfileOutcome.Succeeded>(outcome).Profile.Parameters);
    }

    [Fact]
    public void Should_ReportOomKilled_WithAHint()
    {
        var outcome = Assert.IsType<ProfileOutcome.Failed>(ProfileJob.Outcome(Job("Failed", "BackoffLimitExceeded"), [Pod(137, "OOMKilled", null)]));

        Assert.Equal("OOMKilled", outcome.Reason);
        Assert.Contains("ran out of memory", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_CarryTheProfilersMessage_When_TheChecksumDoesNotMatch()
    {
        var outcome = Assert.IsType<ProfileOutcome.Failed>(ProfileJob.Outcome(Job("Failed"), [Pod(2, "Error", "sha256 mismatch: expected aaaa, got bbbb")]));

        Assert.Equal("Error", outcome.Reason);
        Assert.Contains("sha256 mismatch", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"parameters\":0}")]
    [InlineData("")]
    public void Should_RejectATerminationMessageThatIsNotAProfile(string message)
    {
        var outcome = Assert.IsType<ProfileOutcome.Failed>(ProfileJob.Outcome(Job("Complete"), [Pod(0, "Completed", message)]));

        Assert.Equal("ProfileInvalid", outcome.Reason);
    }

    [Fact]
    public void Should_BeRunning_Until_TheJobFinishes()
    {
        Assert.IsType<ProfileOutcome.Running>(ProfileJob.Outcome(Job(""), []));
        Assert.IsType<ProfileOutcome.Running>(ProfileJob.Outcome(Job("Complete"), []));
    }

    [Fact]
    public void Should_BeForTheCurrentModel_Only_WhileUriAndChecksumMatch()
    {
        var service = Fixtures.Service();
        var job = ProfileJob.Build(service, Fixtures.Options());

        Assert.True(ProfileJob.IsFor(job, service));
        service.Spec.Model.Uri = "https://models.example.com/other.onnx";
        Assert.False(ProfileJob.IsFor(job, service));
        Assert.Equal(ProfileJob.BackoffLimit, job.Spec.BackoffLimit);
        Assert.Equal("profile", job.Spec.Template.Metadata.Labels[ProfileJob.RoleLabel]);
    }

    [Theory]
    [InlineData("https://m.example/a.onnx", null, "https://m.example/a.onnx", null, true)]
    [InlineData("https://m.example/a.onnx", null, "https://m.example/b.onnx", null, false)]
    [InlineData("https://m.example/a.onnx", "a", "https://mirror.example/a.onnx", "a", true)]
    [InlineData("https://m.example/a.onnx", "a", "https://m.example/a.onnx", "b", false)]
    [InlineData("https://m.example/a.onnx", "a", "https://m.example/a.onnx", null, true)]
    [InlineData(null, null, "https://m.example/a.onnx", null, false)]
    public void Should_TreatTheStoredProfileAsCurrent_Only_ForTheSameFile(string? profiledUri, string? profiledSha, string specUri, string? specSha, bool current)
    {
        static string? Sha(string? letter) => letter is null ? null : new string(letter[0], 64);
        var stored = new Api.ModelProfile { Parameters = 1, FlopsPerInference = 1, Uri = profiledUri, Sha256 = Sha(profiledSha) };

        Assert.Equal(current, InferenceServiceReconciler.IsCurrent(stored, new Api.ModelSpec { Uri = specUri, Sha256 = Sha(specSha) }));
    }
}
