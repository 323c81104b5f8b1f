using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube;

/// <summary>Informer settings.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespace to watch; null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>Label selector for LIST and WATCH (null: everything).</summary>
    public string? LabelSelector { get; init; }

    /// <summary>timeoutSeconds of each WATCH request; the watch is then resumed from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 290;

    /// <summary>First delay after an error; doubles per consecutive error, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Backoff ceiling.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Do not call handlers for MODIFIED events whose metadata.generation did not change (status-only updates);
    /// set it for the primary resource. The cache is updated either way.
    /// </summary>
    public bool SkipStatusOnlyUpdates { get; init; }

    /// <summary>
    /// Drop metadata.managedFields before caching (client-go's TransformStripManagedFields): the server's bookkeeping of
    /// who owns which field is often larger than the object, and nothing a reconciler decides needs it.
    /// </summary>
    public bool StripManagedFields { get; init; } = true;
}

/// <summary>What every informer offers the controller runner.</summary>
public interface IInformer
{
    string Name { get; }

    bool HasSynced { get; }

    Task RunAsync(CancellationToken cancellationToken);

    Task WaitForSyncAsync(CancellationToken cancellationToken);
}

/// <summary>Read side of an informer: the in-memory copy the reconciler reads from.</summary>
public interface IEntityCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    T? Get(ObjectKey key);

    IReadOnlyList<T> List(string? ns = null);
}

/// <summary>
/// List + watch with resourceVersion and bookmarks into a thread-safe cache keyed by namespace/name.
/// A 410 (ERROR event inside the watch stream, or an HTTP 410) relists; other errors back off exponentially with
/// jitter; a bad event or a throwing handler is logged and skipped, never ending the loop.
/// </summary>
public sealed class Informer<T> : IInformer, IEntityCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly EntityClient<T> client;
    private readonly InformerOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<ObjectKey, T> cache = new();
    private readonly List<Action<WatchEventType, T, T?>> handlers = [];
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? resourceVersion;
    private int lists;

    public Informer(EntityClient<T> client, InformerOptions options, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        this.client = client;
        this.options = options;
        this.logger = logger;
        this.time = time ?? TimeProvider.System;
        Name = client.Info.Kind;
    }

    public string Name { get; }

    public EntityInfo Info => client.Info;

    public bool HasSynced => synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch starts from.</summary>
    public string? ResourceVersion => resourceVersion;

    /// <summary>How many LISTs ran (the first one plus every relist).</summary>
    public int Lists => Volatile.Read(ref lists);

    public int Count => cache.Count;

    public T? Get(ObjectKey key) => cache.GetValueOrDefault(key);

    public T? Get(string? ns, string name) => Get(new ObjectKey(ns, name));

    public IReadOnlyList<T> List(string? ns = null) =>
        cache.Where(kv => ns is null || kv.Key.Namespace == ns).Select(kv => kv.Value).ToArray();

    /// <summary>Adds a callback for ADDED/MODIFIED/DELETED: (type, object, previous cached object or null). Add before running.</summary>
    public void AddHandler(Action<WatchEventType, T, T?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (handlers)
        {
            handlers.Add(handler);
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => synced.Task.WaitAsync(cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                }

                var (expired, error) = await WatchOnceAsync(cancellationToken).ConfigureAwait(false);
                if (expired)
                {
                    Log.WatchExpired(logger, Name, resourceVersion);
                    needList = true;
                    continue;
                }

                if (error is not null)
                {
                    throw error;
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                Log.WatchExpired(logger, Name, resourceVersion);
                needList = true;
            }
#pragma warning disable CA1031 // The informer loop must survive any error: it backs off and tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                var delay = Backoff(failures);
                Log.InformerError(logger, e, Name, failures, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter, not security.
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(options.Namespace, options.LabelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref lists);
        var seen = new HashSet<ObjectKey>();
        foreach (var item in list.Items)
        {
            if (item?.Metadata?.Name is null)
            {
                continue;
            }

            Trim(item);
            var key = ObjectKey.Of(item);
            seen.Add(key);
            cache.TryGetValue(key, out var old);
            cache[key] = item;
            if (old is null)
            {
                Dispatch(WatchEventType.Added, item, null);
            }
            else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Dispatch(WatchEventType.Modified, item, old);
            }
        }

        foreach (var key in cache.Keys.Where(k => !seen.Contains(k)).ToArray())
        {
            if (cache.TryRemove(key, out var gone))
            {
                Dispatch(WatchEventType.Deleted, gone, gone);
            }
        }

        resourceVersion = list.Metadata?.ResourceVersion;
        Log.Listed(logger, Name, list.Items.Count, resourceVersion);
        synced.TrySetResult();
    }

    private async Task<(bool Expired, Exception? Error)> WatchOnceAsync(CancellationToken cancellationToken)
    {
        var expired = false;
        Exception? error = null;
        void OnError(Exception e)
        {
            switch (e)
            {
                case KubernetesException { Status.Code: 410 }:
                case HttpOperationException { Response.StatusCode: HttpStatusCode.Gone }:
                    expired = true;
                    break;
                case KubernetesException or HttpOperationException or HttpRequestException or IOException:
                    error = e;
                    break;
                default:
                    Log.BadWatchEvent(logger, e, Name);
                    break;
            }
        }

        await foreach (var (type, obj) in client.WatchAsync(options.Namespace, resourceVersion, options.LabelSelector, options.WatchTimeoutSeconds, OnError, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                Handle(type, obj);
            }
#pragma warning disable CA1031 // One bad event never kills the loop.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.BadWatchEvent(logger, e, Name);
            }
        }

        return (expired, error);
    }

    private void Handle(WatchEventType type, T obj)
    {
        if (obj?.Metadata is null)
        {
            return;
        }

        if (type == WatchEventType.Bookmark)
        {
            resourceVersion = obj.Metadata.ResourceVersion ?? resourceVersion;
            return;
        }

        if (type == WatchEventType.Error || obj.Metadata.Name is null)
        {
            return;
        }

        Trim(obj);
        var key = ObjectKey.Of(obj);
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
            {
                cache.TryGetValue(key, out var old);
                cache[key] = obj;
                resourceVersion = obj.Metadata.ResourceVersion ?? resourceVersion;
                Dispatch(old is null ? WatchEventType.Added : WatchEventType.Modified, obj, old);
                break;
            }

            case WatchEventType.Deleted:
                cache.TryRemove(key, out var removed);
                resourceVersion = obj.Metadata.ResourceVersion ?? resourceVersion;
                Dispatch(WatchEventType.Deleted, obj, removed);
                break;
        }
    }

    private void Trim(T obj)
    {
        if (options.StripManagedFields)
        {
            obj.Metadata.ManagedFields = null;
        }
    }

    private void Dispatch(WatchEventType type, T obj, T? old)
    {
        if (options.SkipStatusOnlyUpdates
            && type == WatchEventType.Modified
            && old is not null
            && old.Metadata.Generation == obj.Metadata.Generation
            && old.Metadata.DeletionTimestamp == obj.Metadata.DeletionTimestamp)
        {
            return;
        }

        Action<WatchEventType, T, T?>[] current;
        lock (handlers)
        {
            current = [.. handlers];
        }

        foreach (var handler in current)
        {
            try
            {
                handler(type, obj, old);
            }
#pragma warning disable CA1031 // A throwing handler is logged; the informer goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(logger, e, Name, type.ToString());
            }
        }
    }
}
