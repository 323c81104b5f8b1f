using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class LeaderElectionTests : ServerTest
{
    private static LeaderElectionOptions Options(string identity) => new()
    {
        LeaseNamespace = Ns,
        LeaseName = "widget-operator",
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(5),
        RenewDeadline = TimeSpan.FromSeconds(1),
        RetryPeriod = TimeSpan.FromMilliseconds(100),
    };

    private int LeaseReads() => Server.Requests.Count(r => r.StartsWith("GET /apis/coordination.k8s.io/v1/namespaces/test-ns/leases/widget-operator", StringComparison.Ordinal));

    [Fact]
    public async Task Should_ElectExactlyOneLeader_And_HandOverQuickly_When_LeaderShutsDown()
    {
        var logA = new ListLogger();
        var logB = new ListLogger();
        var a = new LeaderElection(Client, Options("a"), logA);
        var b = new LeaderElection(Client, Options("b"), logB);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var ledA = 0;
        var ledB = 0;
        var runA = a.RunAsync(ct => { Interlocked.Increment(ref ledA); return Task.Delay(Timeout.Infinite, ct); }, stopA.Token);
        await Await.UntilAsync(() => a.IsLeader, "a leads");

        var runB = b.RunAsync(ct => { Interlocked.Increment(ref ledB); return Task.Delay(Timeout.Infinite, ct); }, stopB.Token);
        var readsBefore = LeaseReads();
        await Await.UntilAsync(() => LeaseReads() >= readsBefore + 10, "both candidates keep trying");
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.Equal(0, Volatile.Read(ref ledB));

        var handOver = Stopwatch.StartNew();
        await stopA.CancelAsync();
        await runA;
        try
        {
            await Await.UntilAsync(() => b.IsLeader, "b takes over");
        }
        catch (TimeoutException)
        {
            Assert.Fail(logA + "\n----\n" + logB + "\n----\n" + string.Join("\n", Server.Requests.TakeLast(30)) + KubernetesJson.Serialize(await Client.CoordinationV1.ReadNamespacedLeaseAsync("widget-operator", Ns)));
        }
        handOver.Stop();

        // IsLeader flips when the lease is held; the leading work starts just after it, on another thread.
        await Await.UntilAsync(() => Volatile.Read(ref ledB) > 0, "b starts its leading work");
        Assert.False(a.IsLeader);
        Assert.Equal(1, Volatile.Read(ref ledA));
        Assert.Equal(1, Volatile.Read(ref ledB));
        Assert.True(handOver.Elapsed < Options("b").LeaseDuration, $"released lease handed over in {handOver.Elapsed}, not after a full lease duration");
        Assert.Equal("b", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("widget-operator", Ns)).Spec.HolderIdentity);
        await stopB.CancelAsync();
        await runB;
    }

    [Fact]
    public async Task Should_ReconcileOnlyOnLeader_While_FollowerKeepsCacheWarm()
    {
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "w"), default);
        var (leaderController, leaderReconciler) = NewController();
        var (followerController, followerReconciler) = NewController();
        var leaderElection = new LeaderElection(Client, Options("leader"), NullLogger.Instance);
        var followerElection = new LeaderElection(Client, Options("follower"), NullLogger.Instance);
        using var stopLeader = new CancellationTokenSource();
        using var stopFollower = new CancellationTokenSource();

        var leaderInformers = leaderController.RunInformersAsync(stopLeader.Token);
        var leader = leaderElection.RunAsync(leaderController.ReconcileAsync, stopLeader.Token);
        await Await.UntilAsync(() => leaderReconciler.CallsFor(new(Ns, "w")) == 1, "the leader reconciles");
        var followerInformers = followerController.RunInformersAsync(stopFollower.Token);
        var follower = followerElection.RunAsync(followerController.ReconcileAsync, stopFollower.Token);
        await followerController.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await EntityClient<Widget>().ApplyAsync(Widget.New(Ns, "w", size: 2));
        await Await.UntilAsync(() => leaderReconciler.CallsFor(new(Ns, "w")) == 2, "the leader reconciles the change");

        Assert.Empty(followerReconciler.Calls);
        Assert.False(followerController.IsReconciling);
        Assert.Equal(0, followerController.Queue.Depth);

        await stopLeader.CancelAsync();
        await Task.WhenAll(leader, leaderInformers);
        await Await.UntilAsync(() => followerReconciler.CallsFor(new(Ns, "w")) == 1, "the new leader reconciles from its warm cache");
        await stopFollower.CancelAsync();
        await Task.WhenAll(follower, followerInformers);
    }

    [Fact]
    public async Task Should_StopReconcilingAndClearQueue_When_LeaseIsLost()
    {
        await EntityClient<Widget>().CreateAsync(Widget.New(Ns, "w"), default);
        var (controller, reconciler) = NewController(ReconcileResult.Success(TimeSpan.FromMilliseconds(50)));
        var election = new LeaderElection(Client, Options("leader") with { ReleaseOnShutdown = false }, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var informers = controller.RunInformersAsync(stop.Token);
        var running = election.RunAsync(controller.ReconcileAsync, stop.Token);
        await Await.UntilAsync(() => reconciler.Calls.Count >= 2, "the leader reconciles repeatedly");

        Server.Mutate<V1Lease>(Ns, "widget-operator", lease =>
        {
            lease.Spec.HolderIdentity = "usurper";
            lease.Spec.LeaseDurationSeconds = 600;
            lease.Spec.RenewTime = DateTime.UtcNow.AddTicks(10);
        });

        await Await.UntilAsync(() => !election.IsLeader && !controller.IsReconciling, "losing the lease stops reconciling");
        var callsAfterLoss = reconciler.Calls.Count;
        Assert.Equal(0, controller.Queue.Depth);
        await EntityClient<Widget>().ApplyAsync(Widget.New(Ns, "w", size: 7));
        await Await.UntilAsync(() => controller.WaitForSyncAsync(CancellationToken.None).IsCompleted, "caches stay up");
        Assert.Equal(callsAfterLoss, reconciler.Calls.Count);
        await stop.CancelAsync();
        await Task.WhenAll(running, informers);
    }

    private (Controller<Widget> Controller, RecordingReconciler Reconciler) NewController(ReconcileResult? result = null)
    {
        var reconciler = new RecordingReconciler(result is null ? null : (_, _) => result);
        var informer = new Informer<Widget>(EntityClient<Widget>(), new InformerOptions { Namespace = Ns, WatchTimeoutSeconds = 5 }, NullLogger.Instance);
        var controller = new Controller<Widget>("widgets", informer, reconciler, new WorkQueueOptions(), NullLogger.Instance);
        return (controller, reconciler);
    }
}
