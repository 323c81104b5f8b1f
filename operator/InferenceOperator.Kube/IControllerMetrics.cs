namespace InferenceOperator.Kube;

/// <summary>Hooks the host turns into metrics (workqueue_depth, workqueue_retries_total, reconcile_total, reconcile_duration_seconds).</summary>
public interface IControllerMetrics
{
    void QueueDepth(string controller, int depth);

    void RetryScheduled(string controller, int attempt, TimeSpan delay);

    void ReconcileCompleted(string controller, ReconcileResult result, TimeSpan duration);
}

/// <summary>Metrics hooks that record nothing.</summary>
public sealed class NullControllerMetrics : IControllerMetrics
{
    public static NullControllerMetrics Instance { get; } = new();

    public void QueueDepth(string controller, int depth)
    {
    }

    public void RetryScheduled(string controller, int attempt, TimeSpan delay)
    {
    }

    public void ReconcileCompleted(string controller, ReconcileResult result, TimeSpan duration)
    {
    }
}
