using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using k8s;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;

namespace InferenceOperator.Hosting;

/// <summary>Registers the operator: options validated on start, the Kubernetes client, metrics, events, the runtime and its hosted loop.</summary>
internal static class OperatorServiceCollectionExtensions
{
    public static IServiceCollection AddInferenceOperator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperatorOptions>()
            .Bind(configuration.GetSection(OperatorOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        // An explicit kubeconfig (Operator:Kubeconfig) wins; else $KUBECONFIG or ~/.kube/config, else the in-cluster service account.
        var kubeconfig = configuration.GetSection(OperatorOptions.Section)[nameof(OperatorOptions.Kubeconfig)];
        services.AddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(string.IsNullOrEmpty(kubeconfig)
            ? KubernetesClientConfiguration.BuildDefaultConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton(sp => new EventRecorder(
            sp.GetRequiredService<IKubernetes>(),
            new EventRecorderOptions
            {
                ReportingController = "inferenceoperator.io/inference-operator",
                ReportingInstance = OperatorService.Identity(sp.GetRequiredService<IOptions<OperatorOptions>>().Value.LeaderElection),
            },
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<EventRecorder>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OperatorRuntime(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<OperatorOptions>>(),
            sp.GetRequiredService<OperatorMetrics>(),
            sp.GetRequiredService<EventRecorder>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<OperatorService>();
        services.AddHealthChecks()
            .AddCheck<CachesSyncedCheck>("caches", tags: ["ready"]);
        return services;
    }

    /// <summary>/healthz (the process answers), /readyz (caches synced) and /metrics (the operator's own registry).</summary>
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder endpoints, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        var health = $"*:{options.HealthPort}";
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).RequireHost(health);
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).RequireHost(health);
        endpoints.MapMetrics("/metrics", endpoints.ServiceProvider.GetRequiredService<OperatorMetrics>().Registry).RequireHost($"*:{options.MetricsPort}");
        return endpoints;
    }
}

/// <summary>Ready once every informer has listed: before that the reconciler would act on an empty cache.</summary>
internal sealed class CachesSyncedCheck(OperatorRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(runtime.HasSynced ? HealthCheckResult.Healthy("informer caches synced") : HealthCheckResult.Unhealthy("informer caches not synced yet"));
}
