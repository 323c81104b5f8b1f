using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube;

/// <summary>Source-generated log messages of the operator machinery.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Listed {Resource}: {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string resource, int count, string? resourceVersion);

    [LoggerMessage(2, LogLevel.Information, "Watch of {Resource} expired at resourceVersion {ResourceVersion} (410 Gone): relisting")]
    public static partial void WatchExpired(ILogger logger, string resource, string? resourceVersion);

    [LoggerMessage(3, LogLevel.Warning, "Informer for {Resource} failed ({Failures} in a row); retrying in {Delay}")]
    public static partial void InformerError(ILogger logger, Exception exception, string resource, int failures, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Warning, "Skipped a bad watch event for {Resource}")]
    public static partial void BadWatchEvent(ILogger logger, Exception exception, string resource);

    [LoggerMessage(5, LogLevel.Error, "Event handler for {Resource} threw on {EventType}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string resource, string eventType);

    [LoggerMessage(6, LogLevel.Debug, "Reconciled {Controller} {Key} in {Duration}: success")]
    public static partial void Reconciled(ILogger logger, string controller, ObjectKey key, TimeSpan duration);

    [LoggerMessage(7, LogLevel.Warning, "Reconcile of {Controller} {Key} failed: {Message}")]
    public static partial void ReconcileFailed(ILogger logger, Exception? exception, string controller, ObjectKey key, string? message);

    [LoggerMessage(8, LogLevel.Warning, "Gave up on {Controller} {Key} after {Failures} consecutive failures")]
    public static partial void GaveUp(ILogger logger, string controller, ObjectKey key, int failures);

    [LoggerMessage(9, LogLevel.Information, "{Identity} started leading {Lease}")]
    public static partial void StartedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(10, LogLevel.Warning, "{Identity} stopped leading {Lease}")]
    public static partial void StoppedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(11, LogLevel.Information, "{Identity} released lease {Lease}")]
    public static partial void Released(ILogger logger, string identity, string lease);

    [LoggerMessage(12, LogLevel.Warning, "{Identity} could not release lease {Lease}")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string identity, string lease);

    [LoggerMessage(13, LogLevel.Warning, "Leader election error for {Lease}")]
    public static partial void LeaderElectionError(ILogger logger, Exception exception, string lease);

    [LoggerMessage(14, LogLevel.Warning, "Could not record event {Reason} for {Object}")]
    public static partial void EventFailed(ILogger logger, Exception exception, string reason, string @object);

    [LoggerMessage(15, LogLevel.Debug, "New leader for {Lease}: {Leader}")]
    public static partial void NewLeader(ILogger logger, string lease, string leader);

    [LoggerMessage(16, LogLevel.Debug, "Resync of {Controller} every {Period}: {Count} keys queued")]
    public static partial void Resynced(ILogger logger, string controller, TimeSpan period, int count);
}
