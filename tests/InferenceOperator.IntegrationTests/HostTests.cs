using System.Net;
using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Testing;
using k8s.Models;
using Microsoft.Extensions.Options;
using Xunit;

namespace InferenceOperator.IntegrationTests;

/// <summary>The real host (what `make run` starts) against the test API server through a kubeconfig file.</summary>
public sealed class HostTests
{
    [Fact]
    public async Task Should_ServeHealthReadinessAndMetrics_And_Reconcile()
    {
        await using var server = await TestApiServer.TestApiServer.StartAsync();
        using var client = KubernetesClientFactory.Create(server.ClientConfiguration());
        await HostFixture.InstallAsync(client);
        var kubeconfig = await HostFixture.KubeconfigAsync(server, "test-token");
        var (metricsPort, healthPort) = (FreePorts.Next(), FreePorts.Next());
        await using var app = OperatorHost.Build(
        [
            $"--Operator:Kubeconfig={kubeconfig}",
            $"--Operator:MetricsPort={metricsPort}",
            $"--Operator:HealthPort={healthPort}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/healthz"))).StatusCode);
            await Await.UntilAsync(() => http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/readyz")).GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK, "/readyz reports the caches synced");

            var service = Samples.Service("svc");
            service.Metadata.NamespaceProperty = "default";
            await new EntityClient<InferenceService>(client, "test").CreateAsync(service, default);
            await Await.UntilAsync(() => Conditions.IsTrue(server.Get<InferenceService>("default", "svc")?.Status?.Conditions, ConditionTypes.PlanReady), "the host reconciles the service");
            Assert.NotNull(server.Get<V1Deployment>("default", "svc"));

            string Scrape() => http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics")).GetAwaiter().GetResult();
            await Await.UntilAsync(() => Scrape().Contains("reconcile_total{", StringComparison.Ordinal), "a finished reconcile is counted");
            var metrics = Scrape();
            Assert.Contains("reconcile_total{controller=\"inferenceservice\",result=\"success\"}", metrics, StringComparison.Ordinal);
            Assert.Contains("inferenceservice_planned_cost_dollars_per_hour{namespace=\"default\",service=\"svc\",accelerator=\"cpu-x86\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            File.Delete(kubeconfig);
        }
    }

    [Theory]
    [InlineData("Parallelism=0", "Parallelism")]
    [InlineData("NotReadyResyncSeconds=0", "NotReadyResyncSeconds")]
    [InlineData("FullResyncSeconds=10", "FullResyncSeconds (10) must not be shorter than NotReadyResyncSeconds (30)")]
    [InlineData("LeaderElection:RenewDeadline=00:00:20", "LeaseDuration (00:00:15) must be longer than RenewDeadline (00:00:20)")]
    [InlineData("LeaderElection:RetryPeriod=00:00:10", "RenewDeadline (00:00:10) must be longer than RetryPeriod (00:00:10)")]
    [InlineData("LeaderElection:LeaseDuration=00:00:15.500", "must be a whole number of seconds")]
    public void Should_RefuseToStart_When_OptionsAreInvalid(string setting, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => OperatorHost.Build([$"--Operator:{setting}", "--Operator:Kubeconfig=/nonexistent"]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
