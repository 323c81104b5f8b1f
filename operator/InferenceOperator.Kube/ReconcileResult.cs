namespace InferenceOperator.Kube;

/// <summary>What a reconcile asks of the queue next: <see cref="Success"/> or <see cref="Failure"/>.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(bool isSuccess, string? message, Exception? exception, TimeSpan? requeueAfter)
    {
        IsSuccess = isSuccess;
        Message = message;
        Exception = exception;
        RequeueAfter = requeueAfter;
    }

    public bool IsSuccess { get; }

    /// <summary>Why it failed, in words a user can act on (null on success).</summary>
    public string? Message { get; }

    public Exception? Exception { get; }

    /// <summary>Run this key again after this long (null: only when something changes, or per backoff on failure).</summary>
    public TimeSpan? RequeueAfter { get; }

    /// <summary>Converged; nothing to do until the next change.</summary>
    public static ReconcileResult Done { get; } = new(true, null, null, null);

    public static ReconcileResult Success(TimeSpan? requeueAfter = null) => requeueAfter is null ? Done : new(true, null, null, requeueAfter);

    /// <summary>
    /// Failed. Without <paramref name="requeueAfter"/> the queue retries with exponential backoff up to its limit; with it
    /// (e.g. a terminal error already written to status) the key comes back after that delay, no hot retry loop.
    /// </summary>
    public static ReconcileResult Failure(string message, Exception? exception = null, TimeSpan? requeueAfter = null) =>
        new(false, message, exception, requeueAfter);
}
