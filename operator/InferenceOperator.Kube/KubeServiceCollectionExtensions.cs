using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceOperator.Kube;

/// <summary>Settings of the shared machinery: who writes (field manager, event reporter).</summary>
public sealed record KubeMachineryOptions
{
    /// <summary>The one server-side-apply field manager of this operator.</summary>
    public required string FieldManager { get; init; }

    /// <summary>events.k8s.io reportingController, e.g. "example.io/my-operator".</summary>
    public required string ReportingController { get; init; }

    /// <summary>events.k8s.io reportingInstance, e.g. the pod name.</summary>
    public string ReportingInstance { get; init; } = Environment.MachineName;
}

/// <summary>Creates typed clients that share one KubernetesClient and one field manager.</summary>
public sealed class EntityClientFactory(IKubernetes client, string fieldManager)
{
    public string FieldManager { get; } = fieldManager;

    public EntityClient<T> For<T>()
        where T : class, IKubernetesObject<k8s.Models.V1ObjectMeta> => new(client, FieldManager);
}

public static class KubeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the generic machinery: <see cref="TimeProvider"/>, an <see cref="IKubernetes"/> built by
    /// <see cref="KubernetesClientFactory"/>, an <see cref="EntityClientFactory"/> and an <see cref="EventRecorder"/>.
    /// Informers, controllers and leader election are composed by the host from these.
    /// </summary>
    public static IServiceCollection AddKubeMachinery(this IServiceCollection services, KubernetesClientConfiguration configuration, KubeMachineryOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FieldManager);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ReportingController);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.TryAddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(configuration));
        services.TryAddSingleton(sp => new EntityClientFactory(sp.GetRequiredService<IKubernetes>(), options.FieldManager));
        services.TryAddSingleton(sp => new EventRecorder(
            sp.GetRequiredService<IKubernetes>(),
            new EventRecorderOptions { ReportingController = options.ReportingController, ReportingInstance = options.ReportingInstance },
            sp.GetService<ILoggerFactory>()?.CreateLogger<EventRecorder>() ?? (ILogger)NullLogger.Instance,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
