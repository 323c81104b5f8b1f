using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Testing;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace InferenceOperator.IntegrationTests;

/// <summary>
/// Two real operator hosts (each with its own kubeconfig user, so the server can tell their writes apart) against one
/// test API server with leader election on and short lease timings.
/// </summary>
public sealed class LeaderElectionHostTests
{
    private const string LeaseNamespace = "operator-system";
    private const string LeaseName = "inference-operator";
    private const string Ns = "default";

    private sealed class Replica(string identity, WebApplication app, string kubeconfig) : IAsyncDisposable
    {
        private bool stopped;

        public string Identity { get; } = identity;

        public OperatorRuntime Runtime => app.Services.GetRequiredService<OperatorRuntime>();

        public static async Task<Replica> StartAsync(TestApiServer.TestApiServer server, string identity)
        {
            var kubeconfig = await HostFixture.KubeconfigAsync(server, identity);
            var app = OperatorHost.Build(
            [
                $"--Operator:Kubeconfig={kubeconfig}",
                $"--Operator:MetricsPort={FreePorts.Next()}",
                $"--Operator:HealthPort={FreePorts.Next()}",
                "--Operator:LeaderElection:Enabled=true",
                $"--Operator:LeaderElection:Namespace={LeaseNamespace}",
                $"--Operator:LeaderElection:LeaseName={LeaseName}",
                $"--Operator:LeaderElection:Identity={identity}",
                "--Operator:LeaderElection:LeaseDuration=00:00:02",
                "--Operator:LeaderElection:RenewDeadline=00:00:01",
                "--Operator:LeaderElection:RetryPeriod=00:00:00.200",
                "--Logging:LogLevel:Default=Warning",
            ]);
            await app.StartAsync();
            return new Replica(identity, app, kubeconfig);
        }

        /// <summary>Write calls this replica made to anything but the Lease.</summary>
        public int Writes(TestApiServer.TestApiServer server) =>
            server.WriteCallsBy(Identity).Where(kv => kv.Key != ("coordination.k8s.io", "leases")).Sum(kv => kv.Value);

        public async Task StopAsync()
        {
            if (!stopped)
            {
                stopped = true;
                await app.StopAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await app.DisposeAsync();
            File.Delete(kubeconfig);
        }
    }

    private static async Task<TestApiServer.TestApiServer> ServerAsync(Kubernetes client, TestApiServer.TestApiServer server)
    {
        await HostFixture.InstallAsync(client);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = LeaseNamespace } });
        return server;
    }

    private static string? Holder(TestApiServer.TestApiServer server) => server.Get<V1Lease>(LeaseNamespace, LeaseName)?.Spec?.HolderIdentity;

    private static Task CreateServiceAsync(Kubernetes client, string name)
    {
        var service = Samples.Service(name);
        service.Metadata.NamespaceProperty = Ns;
        return new EntityClient<InferenceService>(client, "test").CreateAsync(service, default);
    }

    private static bool Planned(TestApiServer.TestApiServer server, string name) =>
        Conditions.IsTrue(server.Get<InferenceService>(Ns, name)?.Status?.Conditions, ConditionTypes.PlanReady);

    [Fact]
    public async Task Should_ReconcileOnlyOnTheLeader_And_HandOver_When_TheLeaderStops()
    {
        await using var server = await TestApiServer.TestApiServer.StartAsync();
        using var client = KubernetesClientFactory.Create(server.ClientConfiguration());
        await ServerAsync(client, server);

        await using var a = await Replica.StartAsync(server, "replica-a");
        await Await.UntilAsync(() => Holder(server) == "replica-a" && a.Runtime.Controller.IsReconciling, "replica-a leads");
        await using var b = await Replica.StartAsync(server, "replica-b");
        await Await.UntilAsync(() => b.Runtime.HasSynced, "replica-b's caches are synced");

        await CreateServiceAsync(client, "first");
        await Await.UntilAsync(() => Planned(server, "first") && server.Get<V1Deployment>(Ns, "first") is not null, "the leader reconciles the first service");
        var key = new ObjectKey(Ns, "first");
        await Await.UntilAsync(() => b.Runtime.Caches.Deployments.Get(key) is not null && b.Runtime.Caches.Services.Get(key)?.Status?.Plan is not null, "the follower's caches follow the leader's writes");

        Assert.True(a.Writes(server) > 0);
        Assert.Equal(0, b.Writes(server));
        Assert.False(b.Runtime.Controller.IsReconciling);
        Assert.Equal("replica-a", Holder(server));

        // Graceful stop releases the lease: the follower takes over well within a lease duration and reconciles.
        await a.StopAsync();
        var aWrites = a.Writes(server);
        await Await.UntilAsync(() => Holder(server) == "replica-b" && b.Runtime.Controller.IsReconciling, "replica-b takes over");
        await CreateServiceAsync(client, "second");
        await Await.UntilAsync(() => Planned(server, "second") && server.Get<V1Deployment>(Ns, "second") is not null, "the new leader reconciles the second service");
        Assert.True(b.Writes(server) > 0);
        Assert.Equal(aWrites, a.Writes(server));
    }

    [Fact]
    public async Task Should_WaitForAnExpiredLease_Before_Reconciling_When_TheOldLeaderCrashed()
    {
        await using var server = await TestApiServer.TestApiServer.StartAsync();
        using var client = KubernetesClientFactory.Create(server.ClientConfiguration());
        await ServerAsync(client, server);

        // A leader that died without releasing: its lease is held until it expires.
        var now = DateTime.UtcNow;
        await client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = LeaseName },
                Spec = new V1LeaseSpec { HolderIdentity = "crashed", LeaseDurationSeconds = 2, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
            },
            LeaseNamespace);
        await CreateServiceAsync(client, "svc");

        await using var replica = await Replica.StartAsync(server, "replica-a");
        await Await.UntilAsync(() => replica.Runtime.HasSynced, "the replica's caches are synced");
        Assert.Equal("crashed", Holder(server));
        Assert.False(Planned(server, "svc"));
        Assert.Equal(0, replica.Writes(server));

        await Await.UntilAsync(() => Holder(server) == "replica-a", "the expired lease is taken over");
        await Await.UntilAsync(() => Planned(server, "svc") && server.Get<V1Deployment>(Ns, "svc") is not null, "the new leader reconciles");
        Assert.True(replica.Writes(server) > 0);
    }
}
