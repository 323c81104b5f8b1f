using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube;

/// <summary>Lease-based leader election settings (coordination.k8s.io/v1 Lease).</summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseNamespace { get; init; }

    public required string LeaseName { get; init; }

    /// <summary>Unique per process, e.g. the pod name.</summary>
    public required string Identity { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Give the lease up on graceful shutdown so a successor need not wait a full lease duration.</summary>
    public bool ReleaseOnShutdown { get; init; } = true;
}

/// <summary>
/// Runs work only while holding the lease, using KubernetesClient's <see cref="LeaderElector"/> and <see cref="LeaseLock"/>.
/// Losing the lease cancels the work at once; cancelling <see cref="RunAsync"/> releases the lease.
/// </summary>
public sealed class LeaderElection(IKubernetes client, LeaderElectionOptions options, ILogger logger)
{
    private readonly Lock gate = new();
    private CancellationTokenSource? leading;
    private Task? work;
    private volatile bool isLeader;

    public bool IsLeader => isLeader;

    public LeaderElectionOptions Options { get; } = options;

    /// <summary>Campaigns until cancelled; runs <paramref name="whileLeading"/> each time leadership is acquired.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        var lease = $"{Options.LeaseNamespace}/{Options.LeaseName}";
        var config = new LeaderElectionConfig(new LeaseLock(client, Options.LeaseNamespace, Options.LeaseName, Options.Identity))
        {
            LeaseDuration = Options.LeaseDuration,
            RenewDeadline = Options.RenewDeadline,
            RetryPeriod = Options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () =>
        {
            lock (gate)
            {
                leading?.Dispose();
                leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                isLeader = true;
                var token = leading.Token;
                var previous = work;
                work = Task.Run(
                    async () =>
                    {
                        // A term that just ended may still be unwinding: never let two terms' work overlap.
                        if (previous is not null)
                        {
                            await previous.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                        }

                        await whileLeading(token).ConfigureAwait(false);
                    },
                    CancellationToken.None);
            }

            Log.StartedLeading(logger, Options.Identity, lease);
        };
        elector.OnStoppedLeading += () =>
        {
            StopLeading();
            Log.StoppedLeading(logger, Options.Identity, lease);
        };
        elector.OnNewLeader += leader => Log.NewLeader(logger, lease, leader);
        elector.OnError += e => Log.LeaderElectionError(logger, e, lease);
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            var running = StopLeading();
            if (running is not null)
            {
                try
                {
                    await running.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The work honoured its cancellation.
                }
            }
        }

        if (Options.ReleaseOnShutdown)
        {
            await ReleaseAsync(lease).ConfigureAwait(false);
        }
    }

    private Task? StopLeading()
    {
        lock (gate)
        {
            isLeader = false;
            leading?.Cancel();
            return work;
        }
    }

    /// <summary>Hands the lease over at once if this identity still holds it (client-go's ReleaseOnCancel).</summary>
    private async Task ReleaseAsync(string lease)
    {
        try
        {
            var current = await client.CoordinationV1.ReadNamespacedLeaseAsync(Options.LeaseName, Options.LeaseNamespace, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (current.Spec?.HolderIdentity != Options.Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            // Empty, not null: KubernetesClient's elector treats a null holder as "no lease" and tries to create it (409 forever).
            current.Spec.HolderIdentity = "";
            current.Spec.LeaseDurationSeconds = 1;
            current.Spec.RenewTime = now;
            current.Spec.AcquireTime = now;
            current.Metadata.ManagedFields = null;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(current, Options.LeaseName, Options.LeaseNamespace, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            Log.Released(logger, Options.Identity, lease);
        }
#pragma warning disable CA1031 // Releasing is a courtesy: the lease expires on its own.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.ReleaseFailed(logger, e, Options.Identity, lease);
        }
    }
}
