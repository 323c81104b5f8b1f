using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private WorkQueue<string> NewQueue(WorkQueueOptions? options = null) => new(options ?? new WorkQueueOptions(), time);

    [Fact]
    public async Task Should_HoldKeyOnce_When_AddedTwice()
    {
        var queue = NewQueue();

        queue.Add("a");
        queue.Add("a");

        Assert.Equal(1, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task Should_KeepEarliestDueTime_When_KeyIsAddedAgain()
    {
        var queue = NewQueue();
        queue.Add("sooner-later", TimeSpan.FromSeconds(10));
        queue.Add("sooner-later", TimeSpan.FromSeconds(2));
        queue.Add("later-ignored", TimeSpan.FromSeconds(3));
        queue.Add("later-ignored", TimeSpan.FromSeconds(30));

        var first = queue.TakeAsync(CancellationToken.None);
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("sooner-later", await first.WaitAsync(Bound));

        var second = queue.TakeAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("later-ignored", await second.WaitAsync(Bound));
    }

    [Fact]
    public async Task Should_NotHandOutKey_When_ItIsBeingWorkedOn()
    {
        var queue = NewQueue();
        queue.Add("a");
        var first = await queue.TakeAsync(CancellationToken.None).WaitAsync(Bound);

        queue.Add("a");
        queue.Add("b");
        var second = await queue.TakeAsync(CancellationToken.None).WaitAsync(Bound);
        var third = queue.TakeAsync(CancellationToken.None);

        Assert.Equal("a", first);
        Assert.Equal("b", second);
        Assert.False(third.IsCompleted);
        queue.Done("a");
        Assert.Equal("a", await third.WaitAsync(Bound));
    }

    [Fact]
    public async Task Should_RunAtMostMaxParallelismKeys_When_ManyAreDue()
    {
        var queue = NewQueue(new WorkQueueOptions { MaxParallelism = 2 });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var active = 0;
        var maxActive = 0;
        var done = 0;
        using var cancel = new CancellationTokenSource();
        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            queue.Add(key);
        }

        var running = queue.RunAsync(
            async (_, _) =>
            {
                var now = Interlocked.Increment(ref active);
                InterlockedMax(ref maxActive, now);
                await release.Task;
                Interlocked.Decrement(ref active);
                Interlocked.Increment(ref done);
                return ReconcileResult.Done;
            },
            cancel.Token);

        await Await.UntilAsync(() => Volatile.Read(ref active) == 2, "two workers are busy");
        Assert.Equal(3, queue.Depth);
        release.SetResult();
        await Await.UntilAsync(() => Volatile.Read(ref done) == 5, "all keys are worked");
        Assert.Equal(2, maxActive);
        await cancel.CancelAsync();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public void Should_BackOffExponentially_And_GiveUp_When_KeyKeepsFailing()
    {
        var gaveUp = new List<(string, int)>();
        var queue = NewQueue(new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(8), MaxRetries = 5 });
        queue.GaveUp = (key, failures) => gaveUp.Add((key, failures));

        var delays = Enumerable.Range(0, 6).Select(_ => queue.AddRateLimited("a")).ToList();

        Assert.Equal([1.0, 2.0, 4.0, 8.0, 8.0], delays.Take(5).Select(d => d!.Value.TotalSeconds));
        Assert.Null(delays[5]);
        Assert.Equal([("a", 5)], gaveUp);
        Assert.Equal(0, queue.Failures("a"));
    }

    [Fact]
    public void Should_ResetBackoff_When_KeyIsForgotten()
    {
        var queue = NewQueue(new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromSeconds(1) });
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");

        queue.Forget("a");

        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("a"));
    }

    [Fact]
    public void Should_RateLimitRequeues_When_BurstIsSpent()
    {
        var queue = NewQueue(new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromMilliseconds(1), RequeueBurst = 2, RequeueRatePerSecond = 1 });

        var first = queue.AddRateLimited("a");
        var second = queue.AddRateLimited("b");
        var third = queue.AddRateLimited("c");
        time.Advance(TimeSpan.FromSeconds(5));
        var afterRefill = queue.AddRateLimited("d");

        Assert.Equal(TimeSpan.FromMilliseconds(1), first);
        Assert.Equal(TimeSpan.FromMilliseconds(1), second);
        Assert.Equal(TimeSpan.FromSeconds(1), third);
        Assert.Equal(TimeSpan.FromMilliseconds(1), afterRefill);
    }

    [Fact]
    public async Task Should_RetryWithBackoff_When_WorkFails_And_RequeueAfterSuccess()
    {
        var queue = NewQueue(new WorkQueueOptions { BaseRetryDelay = TimeSpan.FromSeconds(1), MaxParallelism = 1 });
        var scheduled = new List<TimeSpan>();
        queue.RetryScheduled = (_, _, delay) => scheduled.Add(delay);
        var runs = new List<DateTimeOffset>();
        using var cancel = new CancellationTokenSource();
        queue.Add("a");
        var running = queue.RunAsync(
            (_, _) =>
            {
                int attempt;
                lock (runs)
                {
                    runs.Add(time.GetUtcNow());
                    attempt = runs.Count;
                }

                return Task.FromResult(attempt switch
                {
                    1 => ReconcileResult.Failure("first failure"),
                    2 => throw new InvalidOperationException("second failure"),
                    _ => ReconcileResult.Success(TimeSpan.FromMinutes(1)),
                });
            },
            cancel.Token);

        // Step the fake clock while polling: each run happens no earlier than its backoff allows.
        await Await.UntilAsync(
            () =>
            {
                int count;
                lock (runs)
                {
                    count = runs.Count;
                }

                time.Advance(TimeSpan.FromMilliseconds(count >= 3 ? 5000 : 250));
                return count >= 4;
            },
            "four runs: two failures, a success and its requeue",
            TimeSpan.FromSeconds(20));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], scheduled);
        Assert.True(runs[1] - runs[0] >= TimeSpan.FromSeconds(1));
        Assert.True(runs[2] - runs[1] >= TimeSpan.FromSeconds(2));
        Assert.True(runs[3] - runs[2] >= TimeSpan.FromMinutes(1));
        Assert.Equal(0, queue.Failures("a"));
        await cancel.CancelAsync();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public async Task Should_DropWaitingKeys_When_Cleared()
    {
        var queue = NewQueue();
        queue.Add("a");
        queue.Add("b", TimeSpan.FromSeconds(1));
        queue.AddRateLimited("c");

        queue.Clear();
        using var cancel = new CancellationTokenSource();
        var take = queue.TakeAsync(cancel.Token);
        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, queue.Depth);
        Assert.Equal(0, queue.Failures("c"));
        Assert.False(take.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => take);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
