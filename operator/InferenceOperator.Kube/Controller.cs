using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube;

/// <summary>
/// Runs an <see cref="IReconciler{T}"/>: the primary informer and the informers of owned and related types feed keys
/// into a <see cref="WorkQueue{TKey}"/>; workers reconcile them. Informers run all the time (a follower keeps its cache
/// warm); reconciling happens only inside <see cref="ReconcileAsync"/>, which a leader runs while it leads.
/// </summary>
public sealed class Controller<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<T> primary;
    private readonly IReconciler<T> reconciler;
    private readonly ILogger logger;
    private readonly IControllerMetrics metrics;
    private readonly TimeProvider time;
    private readonly List<IInformer> informers = [];
    private readonly List<(TimeSpan Period, Func<T, bool>? Filter)> resyncs = [];
    private volatile bool processing;

    public Controller(
        string name,
        Informer<T> primary,
        IReconciler<T> reconciler,
        WorkQueueOptions queueOptions,
        ILogger logger,
        IControllerMetrics? metrics = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(logger);
        Name = name;
        this.primary = primary;
        this.reconciler = reconciler;
        this.logger = logger;
        this.metrics = metrics ?? NullControllerMetrics.Instance;
        this.time = time ?? TimeProvider.System;
        Queue = new WorkQueue<ObjectKey>(queueOptions, this.time)
        {
            RetryScheduled = (_, attempt, delay) => this.metrics.RetryScheduled(Name, attempt, delay),
            GaveUp = (key, failures) => Log.GaveUp(logger, Name, key, failures),
        };
        informers.Add(primary);
        primary.AddHandler((_, obj, _) => Enqueue(ObjectKey.Of(obj)));
    }

    public string Name { get; }

    public WorkQueue<ObjectKey> Queue { get; }

    /// <summary>True while this instance reconciles (it leads, or runs without election).</summary>
    public bool IsReconciling => processing;

    /// <summary>Maps events of an owned type to the owner's key through ownerReferences naming <typeparamref name="T"/>.</summary>
    public Controller<T> Owns<TOwned>(Informer<TOwned> informer)
        where TOwned : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = primary.Info;
        return Watches(informer, owned => (owned.Metadata.OwnerReferences ?? [])
            .Where(r => r.Kind == owner.Kind && GroupOf(r.ApiVersion) == owner.Group)
            .Select(r => new ObjectKey(string.IsNullOrEmpty(owned.Metadata.NamespaceProperty) ? null : owned.Metadata.NamespaceProperty, r.Name)));
    }

    /// <summary>Maps events of a related type to the primary keys it affects (e.g. a policy to the services using it).</summary>
    public Controller<T> Watches<TOther>(Informer<TOther> informer, Func<TOther, IEnumerable<ObjectKey>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(map);
        informers.Add(informer);
        informer.AddHandler((_, obj, old) =>
        {
            // Old and new usually map to the same key: queue it once, or a worker that takes it between two adds
            // would reconcile the same change twice.
            var keys = new HashSet<ObjectKey>(map(obj));
            if (old is not null && !ReferenceEquals(old, obj))
            {
                keys.UnionWith(map(old));
            }

            foreach (var key in keys)
            {
                Enqueue(key);
            }
        });
        return this;
    }

    /// <summary>
    /// While reconciling, every <paramref name="period"/> queues the cached primary objects <paramref name="filter"/>
    /// selects (all when null): a safety net for changes no watch reports (an object we may not watch, a lost event).
    /// A converged object's reconcile writes nothing, so a resync costs reads only.
    /// </summary>
    public Controller<T> ResyncEvery(TimeSpan period, Func<T, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        resyncs.Add((period, filter));
        return this;
    }

    /// <summary>Runs every informer until cancelled; leaders and followers alike.</summary>
    public Task RunInformersAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(informers.Select(i => Task.Run(() => i.RunAsync(cancellationToken), CancellationToken.None)));

    /// <summary>Completes when every informer has listed once.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));

    /// <summary>
    /// Reconciles until <paramref name="cancellationToken"/> is cancelled (e.g. the lease is lost): waits for the caches,
    /// enqueues every primary object, runs the workers; on exit stops at once and clears the queue.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForSyncAsync(cancellationToken).ConfigureAwait(false);

            // The resync timers start now; their first tick comes one period after the initial pass below.
            var resyncing = resyncs.Select(r => ResyncAsync(r.Period, r.Filter, cancellationToken)).ToList();
            processing = true;
            foreach (var obj in primary.List())
            {
                Enqueue(ObjectKey.Of(obj));
            }

            await Task.WhenAll([Queue.RunAsync(ReconcileOneAsync, cancellationToken), .. resyncing]).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Lost the lease or shutting down.
        }
        finally
        {
            processing = false;
            Queue.Clear();
            metrics.QueueDepth(Name, 0);
        }
    }

    /// <summary>Informers and reconciling together, without leader election.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(RunInformersAsync(cancellationToken), ReconcileAsync(cancellationToken));

    private async Task ResyncAsync(TimeSpan period, Func<T, bool>? filter, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var count = 0;
                foreach (var obj in primary.List())
                {
                    if (filter is null || filter(obj))
                    {
                        Enqueue(ObjectKey.Of(obj));
                        count++;
                    }
                }

                Log.Resynced(logger, Name, period, count);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped leading or shutting down: the queue is cleared anyway.
        }
    }

    private void Enqueue(ObjectKey key)
    {
        if (!processing)
        {
            return;
        }

        Queue.Add(key);
        metrics.QueueDepth(Name, Queue.Depth);
    }

    private async Task<ReconcileResult> ReconcileOneAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        ReconcileResult result;
        try
        {
            result = await reconciler.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A throwing reconciler is a failed reconcile, retried with backoff.
        catch (Exception e)
#pragma warning restore CA1031
        {
            result = ReconcileResult.Failure(e.Message, e);
        }

        var duration = time.GetElapsedTime(started);
        if (result.IsSuccess)
        {
            Log.Reconciled(logger, Name, key, duration);
        }
        else
        {
            Log.ReconcileFailed(logger, result.Exception, Name, key, result.Message);
        }

        metrics.ReconcileCompleted(Name, result, duration);
        metrics.QueueDepth(Name, Queue.Depth);
        return result;
    }

    private static string GroupOf(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : apiVersion[..slash];
    }
}
