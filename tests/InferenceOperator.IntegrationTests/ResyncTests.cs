using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using k8s.Models;
using Xunit;

namespace InferenceOperator.IntegrationTests;

/// <summary>The timer-based resyncs: what no watch reports still converges, and a converged service costs no writes.</summary>
public sealed class ResyncTests
{
    private static V1Deployment Foreign(string ns, string name) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "theirs" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "theirs" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "theirs", Image = "theirs:1" }] },
            },
        },
    };

    [Theory]
    [InlineData(1, true)]
    [InlineData(3600, false)]
    public async Task Should_Converge_When_ANameConflictClearsWithoutAnEvent_Only_WithTheNotReadyResync(int notReadySeconds, bool converges)
    {
        await using var h = await OperatorHarness.StartAsync($"resync-conflict-{notReadySeconds}", o => o.NotReadyResyncSeconds = notReadySeconds);
        h.Server.Create(Foreign(h.Namespace, "svc"), manager: "someone-else");
        await h.CreateAsync(Samples.Service("svc"));
        await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, Reasons.NameConflict);

        // The other Deployment carries none of our labels: our label-selected watch never hears that it went.
        h.Server.Delete<V1Deployment>(h.Namespace, "svc");

        bool Ours() => h.Get<V1Deployment>("svc")?.Metadata.Labels?.ContainsKey("inferenceoperator.io/service") == true;
        if (converges)
        {
            await Await.UntilAsync(Ours, "the not-Ready resync applies our Deployment", TimeSpan.FromSeconds(10));
            await h.UntilConditionAsync("svc", ConditionTypes.WorkloadReady, Conditions.False, Reasons.Progressing);
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(Ours());
            Assert.Equal(Reasons.NameConflict, h.Condition("svc", ConditionTypes.WorkloadReady)!.Reason);
        }
    }

    [Fact]
    public async Task Should_ReconcileAgainAndWriteNothing_When_AConvergedServiceIsResyncedByTheTimer()
    {
        await using var h = await OperatorHarness.StartAsync("resync-timer", o => (o.NotReadyResyncSeconds, o.FullResyncSeconds) = (1, 1));
        await h.ConvergeSteadyServiceAsync("steady");

        h.Server.ResetCounters();

        // Every reconcile reads the (absent) ScaledObject: the request log counts the resyncs' reconciles.
        int Reconciles() => h.Server.Requests.Count(r => r.Contains($"/namespaces/{h.Namespace}/scaledobjects/steady", StringComparison.Ordinal));
        await Await.UntilAsync(() => Reconciles() >= 3, "three resyncs reconcile the service", TimeSpan.FromSeconds(10));
        Assert.Equal(0, h.Server.TotalWriteCalls);
    }
}
