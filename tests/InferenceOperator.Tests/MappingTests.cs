using InferenceOperator.Api;
using InferenceOperator.Controllers;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using k8s;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Tests;

/// <summary>A hand-written cache over a list.</summary>
internal sealed class ListCache<T>(params T[] items) : IEntityCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public T? Get(ObjectKey key) => items.FirstOrDefault(i => ObjectKey.Of(i) == key);

    public IReadOnlyList<T> List(string? ns = null) => items.Where(i => ns is null || i.Metadata.NamespaceProperty == ns).ToList();
}

public sealed class MappingTests
{
    private static InferenceService Service(string ns, string name, string? policy = null, string? planned = null, bool planReady = true, string? pinned = null)
    {
        var service = Fixtures.Service(spec =>
        {
            spec.PolicyRef = policy is null ? null : new PolicyReference { Name = policy };
            spec.Accelerator = pinned;
        });
        service.Metadata.Name = name;
        service.Metadata.NamespaceProperty = ns;
        service.Status = new StatusBuilder(service, DateTimeOffset.UnixEpoch).Set(ConditionTypes.PlanReady, planReady, planReady ? Reasons.Planned : Reasons.NoFeasiblePlan, "").Status;
        service.Status.Plan = new PlanStatus { Accelerator = planned };
        return service;
    }

    private static InferencePolicy Policy(string ns, string name, List<string>? allowed = null) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = new InferencePolicySpec { AllowedAccelerators = allowed } };

    [Fact]
    public void Should_MapAPolicy_ToTheServicesNamingIt_And_ToDefaultUsers()
    {
        var services = new ListCache<InferenceService>(Service("a", "uses-p", "p"), Service("a", "uses-q", "q"), Service("a", "default"), Service("b", "other-ns", "p"));
        var options = new OperatorOptions { DefaultPolicy = "p" };

        var keys = InferenceServiceReconciler.AffectedBy(Policy("a", "p"), services, options).Select(k => k.ToString()).ToList();

        Assert.Equal(["a/uses-p", "a/default"], keys);
        Assert.Equal(["a/uses-q"], InferenceServiceReconciler.AffectedBy(Policy("a", "q"), services, options).Select(k => k.ToString()));
    }

    [Fact]
    public void Should_MapAnAcceleratorProfile_OnlyToServicesItCanChange()
    {
        var services = new ListCache<InferenceService>(
            Service("a", "on-it", planned: "nvidia-l4"),
            Service("a", "pinned-elsewhere", planned: "nvidia-t4", pinned: "nvidia-t4"),
            Service("a", "unplanned", planned: null, planReady: false),
            Service("a", "restricted", policy: "cpu-only", planned: "cpu-x86"),
            Service("a", "free", planned: "cpu-x86"));
        var policies = new ListCache<InferencePolicy>(Policy("a", "cpu-only", ["cpu-x86"]));
        var profile = Fixtures.Accelerator("nvidia-l4");

        var keys = InferenceServiceReconciler.AffectedBy(profile, services, policies, new OperatorOptions()).Select(k => k.Name).ToList();

        Assert.Equal(["on-it", "unplanned", "free"], keys);
    }

    [Fact]
    public async Task Should_ReplaceAndRemovePlanSeries()
    {
        var metrics = new OperatorMetrics();
        var key = new ObjectKey("search", "minilm");
        metrics.Planned(key, Fixtures.Plan(), 400, 100);
        metrics.Planned(key, Fixtures.Plan("nvidia-t4"), 400, 50);

        var text = await Scrape(metrics);
        Assert.Contains("accelerator=\"nvidia-t4\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("accelerator=\"cpu-x86\"", text, StringComparison.Ordinal);
        // 100 W x 400 g/kWh = 40 g/h.
        Assert.Contains("inferenceservice_planned_carbon_grams_per_hour{namespace=\"search\",service=\"minilm\",accelerator=\"nvidia-t4\",precision=\"fp16\"} 40", text, StringComparison.Ordinal);
        // The latest SLO, 50 ms, in seconds: the latency alert compares each service's p95 with it.
        Assert.Contains("inferenceservice_slo_latency_p95_seconds{namespace=\"search\",service=\"minilm\"} 0.05", text, StringComparison.Ordinal);

        metrics.Forget(key);
        Assert.DoesNotContain("service=\"minilm\"", await Scrape(metrics), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_CountReconcilesAndRetries()
    {
        var metrics = new OperatorMetrics();
        metrics.ReconcileCompleted("inferenceservice", ReconcileResult.Done, TimeSpan.FromMilliseconds(5));
        metrics.ReconcileCompleted("inferenceservice", ReconcileResult.Failure("boom"), TimeSpan.FromMilliseconds(5));
        metrics.RetryScheduled("inferenceservice", 1, TimeSpan.FromSeconds(1));
        metrics.QueueDepth("inferenceservice", 7);

        var text = await Scrape(metrics);

        Assert.Contains("reconcile_total{controller=\"inferenceservice\",result=\"success\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("reconcile_total{controller=\"inferenceservice\",result=\"error\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("workqueue_retries_total{controller=\"inferenceservice\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("workqueue_depth{controller=\"inferenceservice\"} 7", text, StringComparison.Ordinal);
        Assert.Contains("reconcile_duration_seconds_count{controller=\"inferenceservice\"} 2", text, StringComparison.Ordinal);
    }

    private static async Task<string> Scrape(OperatorMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
