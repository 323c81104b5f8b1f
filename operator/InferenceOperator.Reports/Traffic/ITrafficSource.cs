namespace InferenceOperator.Reports.Traffic;

/// <summary>An InferenceService by namespace and name (the serving engine labels its metrics model=name).</summary>
public readonly record struct ServiceKey(string Namespace, string Name)
{
    public override string ToString() => Namespace + "/" + Name;
}

/// <summary>What one service served over the window.</summary>
/// <param name="Inferences">Successful inferences (HTTP 200) served in the window; null when no series exists for the service.</param>
/// <param name="BusyRatio">Mean fraction of wall time the engine executed the model (0-1), over pods and the window; null when no series exists.</param>
public sealed record ServiceTraffic(long? Inferences, double? BusyRatio);

/// <summary>Observed traffic of many services over one window, or why there is none.</summary>
public sealed record TrafficSnapshot
{
    /// <summary>False when the source could not be asked (no Prometheus configured, unreachable, or an error answer).</summary>
    public required bool Available { get; init; }

    /// <summary>Why observations are missing, for people ("no Prometheus", "Prometheus http://...: connection refused").</summary>
    public string? UnavailableReason { get; init; }

    public IReadOnlyDictionary<ServiceKey, ServiceTraffic> Services { get; init; } = new Dictionary<ServiceKey, ServiceTraffic>();

    /// <summary>The snapshot when no traffic source is configured or it cannot be reached.</summary>
    public static TrafficSnapshot Unavailable(string reason) => new() { Available = false, UnavailableReason = reason };

    /// <summary>The observation for <paramref name="key"/>, or a record of two nulls when the source had no series for it.</summary>
    public ServiceTraffic For(ServiceKey key) => Services.TryGetValue(key, out var traffic) ? traffic : new ServiceTraffic(null, null);
}

/// <summary>Observed traffic per service over a window (Prometheus in a cluster; a fake in tests).</summary>
public interface ITrafficSource
{
    /// <summary>Inferences served and busy ratio of <paramref name="services"/> over the <paramref name="window"/> ending at <paramref name="end"/>. Never throws for an unreachable source: it answers <see cref="TrafficSnapshot.Unavailable"/>.</summary>
    Task<TrafficSnapshot> ObserveAsync(IReadOnlyCollection<ServiceKey> services, DateTimeOffset end, TimeSpan window, CancellationToken cancellationToken);
}
