namespace InferenceOperator.Kube;

/// <summary>Work queue settings.</summary>
public sealed record WorkQueueOptions
{
    /// <summary>At most this many keys are worked on at once (never two workers on one key).</summary>
    public int MaxParallelism { get; init; } = 4;

    /// <summary>First retry delay after a failure; doubles per consecutive failure.</summary>
    public TimeSpan BaseRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Retry delays never exceed this.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failures after which a key is dropped until it changes again.</summary>
    public int MaxRetries { get; init; } = 10;

    /// <summary>Failure requeues, across all keys, are rate-limited to this many per second ...</summary>
    public double RequeueRatePerSecond { get; init; } = 10;

    /// <summary>... with bursts of this size.</summary>
    public int RequeueBurst { get; init; } = 100;
}

/// <summary>
/// Keyed, delaying work queue: a key is held once with the earliest due time asked for; a key is never handed to two
/// workers at once (an add while it is being worked on runs again after <see cref="Done"/>); failures retry with
/// exponential backoff up to a limit, behind a global token bucket. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class WorkQueue<TKey>
    where TKey : notnull
{
    private readonly Lock gate = new();
    private readonly Dictionary<TKey, DateTimeOffset> waiting = [];
    private readonly HashSet<TKey> inFlight = [];
    private readonly Dictionary<TKey, int> failures = [];
    private readonly WorkQueueOptions options;
    private readonly TimeProvider time;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private double tokens;
    private DateTimeOffset tokensAt;

    public WorkQueue(WorkQueueOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelism, 1);
        this.options = options;
        this.time = time ?? TimeProvider.System;
        tokens = options.RequeueBurst;
        tokensAt = this.time.GetUtcNow();
    }

    /// <summary>Called when a failed key is scheduled again: key, consecutive failures, delay.</summary>
    public Action<TKey, int, TimeSpan>? RetryScheduled { get; set; }

    /// <summary>Called when a key failed <see cref="WorkQueueOptions.MaxRetries"/> times in a row and is dropped.</summary>
    public Action<TKey, int>? GaveUp { get; set; }

    public WorkQueueOptions Options => options;

    /// <summary>Keys waiting (due or not), excluding those being worked on.</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return waiting.Count;
            }
        }
    }

    /// <summary>Keys being worked on now.</summary>
    public int InFlight
    {
        get
        {
            lock (gate)
            {
                return inFlight.Count;
            }
        }
    }

    /// <summary>Adds a key due now.</summary>
    public void Add(TKey key) => Add(key, TimeSpan.Zero);

    /// <summary>Adds a key due after <paramref name="delay"/>; a key already queued keeps the earlier of the two due times.</summary>
    public void Add(TKey key, TimeSpan delay)
    {
        var due = time.GetUtcNow() + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        lock (gate)
        {
            if (waiting.TryGetValue(key, out var existing) && existing <= due)
            {
                return;
            }

            waiting[key] = due;
            Signal();
        }
    }

    /// <summary>Consecutive failures recorded for a key.</summary>
    public int Failures(TKey key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>
    /// Records a failure and schedules the key after exponential backoff (and the global rate limit).
    /// Returns the delay, or null when the retry limit is reached and the key was dropped.
    /// </summary>
    public TimeSpan? AddRateLimited(TKey key)
    {
        TimeSpan delay;
        int attempt;
        lock (gate)
        {
            attempt = failures.GetValueOrDefault(key) + 1;
            if (attempt > options.MaxRetries)
            {
                failures.Remove(key);
                attempt--;
                delay = TimeSpan.MinValue;
            }
            else
            {
                failures[key] = attempt;
                var exponent = Math.Min(attempt - 1, 30);
                var backoff = TimeSpan.FromTicks((long)Math.Min(options.BaseRetryDelay.Ticks * Math.Pow(2, exponent), options.MaxRetryDelay.Ticks));
                var limited = ReserveToken();
                delay = backoff > limited ? backoff : limited;
            }
        }

        if (delay == TimeSpan.MinValue)
        {
            GaveUp?.Invoke(key, attempt);
            return null;
        }

        RetryScheduled?.Invoke(key, attempt, delay);
        Add(key, delay);
        return delay;
    }

    /// <summary>Clears the failure count of a key (call after a success).</summary>
    public void Forget(TKey key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }

    /// <summary>Marks a key no longer being worked on; if it was added meanwhile it becomes available again.</summary>
    public void Done(TKey key)
    {
        lock (gate)
        {
            if (inFlight.Remove(key) && waiting.ContainsKey(key))
            {
                Signal();
            }
        }
    }

    /// <summary>Drops every waiting key and failure count (keys being worked on finish, then are not re-run).</summary>
    public void Clear()
    {
        lock (gate)
        {
            waiting.Clear();
            failures.Clear();
            Signal();
        }
    }

    /// <summary>Waits for a due key that nobody works on, and marks it in flight. Pair with <see cref="Done"/>.</summary>
    public async Task<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task signal;
            TimeSpan? wait = null;
            lock (gate)
            {
                var now = time.GetUtcNow();
                var found = false;
                TKey best = default!;
                var bestDue = DateTimeOffset.MaxValue;
                foreach (var (key, due) in waiting)
                {
                    if (inFlight.Contains(key) || due >= bestDue)
                    {
                        continue;
                    }

                    best = key;
                    bestDue = due;
                    found = true;
                }

                if (found && bestDue <= now)
                {
                    waiting.Remove(best);
                    inFlight.Add(best);
                    return best;
                }

                if (found)
                {
                    wait = bestDue - now;
                }

                signal = changed.Task;
            }

            if (wait is { } delay)
            {
                using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(delay, time, stopDelay.Token);
                await Task.WhenAny(signal, timer).ConfigureAwait(false);
                await stopDelay.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on up to <see cref="WorkQueueOptions.MaxParallelism"/> keys at once until cancelled.
    /// Success forgets failures (and requeues after RequeueAfter); failure retries with backoff, or after its own
    /// RequeueAfter when it gives one. An exception counts as a failure.
    /// </summary>
    public Task RunAsync(Func<TKey, CancellationToken, Task<ReconcileResult>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var workers = Enumerable.Range(0, options.MaxParallelism).Select(_ => Task.Run(() => WorkerAsync(work, cancellationToken), CancellationToken.None));
        return Task.WhenAll(workers);
    }

    private async Task WorkerAsync(Func<TKey, CancellationToken, Task<ReconcileResult>> work, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TKey key;
            try
            {
                key = await TakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ReconcileResult result;
            try
            {
                result = await work(key, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Done(key);
                return;
            }
#pragma warning disable CA1031 // A failing work item must never kill the worker: it is retried with backoff.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = ReconcileResult.Failure(e.Message, e);
            }

            Done(key);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (result.IsSuccess)
            {
                Forget(key);
                if (result.RequeueAfter is { } after)
                {
                    Add(key, after);
                }
            }
            else if (result.RequeueAfter is { } explicitDelay)
            {
                Add(key, explicitDelay);
            }
            else
            {
                AddRateLimited(key);
            }
        }
    }

    /// <summary>Takes one token from the global bucket; returns how long until that token exists.</summary>
    private TimeSpan ReserveToken()
    {
        var now = time.GetUtcNow();
        var refill = (now - tokensAt).TotalSeconds * options.RequeueRatePerSecond;
        var available = Math.Min(options.RequeueBurst, tokens + refill);
        tokens = available - 1;
        tokensAt = now;
        return available >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - available) / options.RequeueRatePerSecond);
    }

    private void Signal()
    {
        var previous = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
