using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Tests;

public sealed class ConditionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_BeReady_Only_When_EveryPartIsTrue()
    {
        var status = new StatusBuilder(Fixtures.Service(), T0)
            .Set(ConditionTypes.ProfileReady, true, Reasons.ProfileHints, "hints")
            .Set(ConditionTypes.PlanReady, true, Reasons.Planned, "planned")
            .Set(ConditionTypes.WorkloadReady, true, Reasons.Available, "2 of 2")
            .Set(ConditionTypes.AutoscalerReady, true, Reasons.AutoscalerConfigured, "hpa")
            .Summarize("Serving");

        Assert.True(status.IsReady);
        Assert.Equal(Reasons.Available, Fixtures.Condition(status.Status, ConditionTypes.Ready)!.Reason);
        Assert.All(status.Status.Conditions!, c => Assert.Equal(3, c.ObservedGeneration));
        Assert.Equal(3, status.Status.ObservedGeneration);
    }

    [Fact]
    public void Should_CarryTheFailingPartsReason_Into_Ready()
    {
        var status = new StatusBuilder(Fixtures.Service(), T0)
            .Set(ConditionTypes.PlanReady, false, Reasons.PolicyNotFound, "InferencePolicy 'x' not found")
            .Summarize("");

        var ready = Fixtures.Condition(status.Status, ConditionTypes.Ready)!;
        Assert.Equal(Conditions.False, ready.Status);
        Assert.Equal(Reasons.PolicyNotFound, ready.Reason);
        Assert.Equal("InferencePolicy 'x' not found", ready.Message);
    }

    [Fact]
    public void Should_SayReconciling_When_APartIsNotEstablishedYet()
    {
        var status = new StatusBuilder(Fixtures.Service(), T0)
            .Set(ConditionTypes.ProfileReady, true, Reasons.ProfileHints, "hints")
            .Summarize("");

        var ready = Fixtures.Condition(status.Status, ConditionTypes.Ready)!;
        Assert.Equal(Reasons.Reconciling, ready.Reason);
        Assert.Contains(ConditionTypes.PlanReady, ready.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_KeepLastTransitionTime_And_ReportNoChange_When_NothingFlips()
    {
        var service = Fixtures.Service();
        service.Status = new StatusBuilder(service, T0).Set(ConditionTypes.PlanReady, true, Reasons.Planned, "p").Status;

        var again = new StatusBuilder(service, T0.AddHours(1)).Set(ConditionTypes.PlanReady, true, Reasons.Planned, "p");
        var flipped = new StatusBuilder(service, T0.AddHours(1)).Set(ConditionTypes.PlanReady, false, Reasons.NoFeasiblePlan, "no");

        Assert.Empty(again.Changed());
        Assert.Equal(T0.UtcDateTime, Fixtures.Condition(again.Status, ConditionTypes.PlanReady)!.LastTransitionTime);
        Assert.Equal(ConditionTypes.PlanReady, Assert.Single(flipped.Changed()).Type);
        Assert.Equal(T0.AddHours(1).UtcDateTime, Fixtures.Condition(flipped.Status, ConditionTypes.PlanReady)!.LastTransitionTime);
        Assert.Equal(Conditions.True, Fixtures.Condition(service.Status, ConditionTypes.PlanReady)!.Status);
    }

    [Fact]
    public void Should_CopyTheDeploymentsFailureReason()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "minilm", Generation = 2 },
            Spec = new V1DeploymentSpec { Replicas = 2 },
            Status = new V1DeploymentStatus
            {
                ReadyReplicas = 1,
                Conditions = [new V1DeploymentCondition { Type = "Progressing", Status = "False", Reason = "ProgressDeadlineExceeded", Message = "ReplicaSet \"minilm-7d\" has timed out progressing." }],
            },
        };

        var (ok, reason, message) = StatusBuilder.FromDeployment(deployment, 2);

        Assert.False(ok);
        Assert.Equal("ProgressDeadlineExceeded", reason);
        Assert.Contains("timed out progressing", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 2, true)]
    [InlineData(1, 2, false)]
    [InlineData(0, 1, false)]
    public void Should_BeAvailable_When_EnoughReplicasAreReady(int ready, int wanted, bool expected)
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "minilm", Generation = 1 },
            Spec = new V1DeploymentSpec { Replicas = wanted },
            Status = new V1DeploymentStatus { ReadyReplicas = ready, ObservedGeneration = 1 },
        };

        Assert.Equal(expected, StatusBuilder.FromDeployment(deployment, wanted).Ok);
    }

    [Fact]
    public void Should_NameTheField_When_TheSpecIsInvalid()
    {
        var service = Fixtures.Service(spec => spec.Batching = new BatchingSpec { MaxQueueDelayMs = 80 });
        var errors = Api.Validation.SpecValidator.Validate(service);

        var status = new StatusBuilder(service, T0).Fail(Reasons.InvalidSpec, string.Join("; ", errors));

        var ready = Fixtures.Condition(status.Status, ConditionTypes.Ready)!;
        Assert.Equal(Reasons.InvalidSpec, ready.Reason);
        Assert.StartsWith("spec.batching.maxQueueDelayMs: ", ready.Message, StringComparison.Ordinal);
    }
}
