using InferenceOperator.Kube;

namespace InferenceOperator;

/// <summary>Source-generated log messages of the operator host.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Debug, "Applied {Kind} {Key}")]
    public static partial void Applied(ILogger logger, string kind, ObjectKey key);

    [LoggerMessage(101, LogLevel.Information, "Deleted {Kind} {Key}: {Why}")]
    public static partial void Deleted(ILogger logger, string kind, ObjectKey key, string why);

    [LoggerMessage(102, LogLevel.Debug, "Status of {Key} written")]
    public static partial void StatusWritten(ILogger logger, ObjectKey key);

    [LoggerMessage(103, LogLevel.Information, "{Key}: {Condition} is {Status} ({Reason}): {Message}")]
    public static partial void ConditionChanged(ILogger logger, ObjectKey key, string condition, string status, string reason, string message);

    [LoggerMessage(104, LogLevel.Information, "{Key}: planned {Accelerator}/{Precision} x {Replicas}")]
    public static partial void Planned(ILogger logger, ObjectKey key, string? accelerator, string? precision, int? replicas);

    [LoggerMessage(105, LogLevel.Information, "{Key}: created profiling Job {Job}")]
    public static partial void ProfileJobCreated(ILogger logger, ObjectKey key, string job);

    [LoggerMessage(110, LogLevel.Information, "Operator starting: watching {Scope}, serving image {Image}, leader election {LeaderElection}")]
    public static partial void Starting(ILogger logger, string scope, string image, bool leaderElection);

    [LoggerMessage(111, LogLevel.Information, "Informer caches synced")]
    public static partial void CachesSynced(ILogger logger);

    [LoggerMessage(112, LogLevel.Error, "Operator loop failed")]
    public static partial void OperatorFailed(ILogger logger, Exception exception);
}
