using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube;

/// <summary>Who reports events.</summary>
public sealed record EventRecorderOptions
{
    /// <summary>e.g. "example.io/my-operator".</summary>
    public required string ReportingController { get; init; }

    /// <summary>e.g. the pod name.</summary>
    public required string ReportingInstance { get; init; }

    /// <summary>A repeat within this window updates the existing event's series instead of creating a new one.</summary>
    public TimeSpan SeriesWindow { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Writes events.k8s.io/v1 events. Repeats of the same (object, type, reason, action, note) are aggregated into the
/// first event's series (count, lastObservedTime) instead of creating new objects. Event times carry microseconds
/// (a whole-second time would serialise without them and be rejected). Recording is best effort: failures are logged.
/// </summary>
public sealed class EventRecorder(IKubernetes client, EventRecorderOptions options, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, Series> recent = [];

    private sealed class Series(string ns, string name, DateTimeOffset lastSeen)
    {
        public string Namespace { get; } = ns;

        public string Name { get; } = name;

        public int Count { get; set; } = 1;

        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }

    public const string Normal = "Normal";

    public const string Warning = "Warning";

    /// <summary>Records an event about <paramref name="regarding"/>; returns the event's name, or null if it could not be written.</summary>
    public async Task<string?> RecordAsync(
        IKubernetesObject<V1ObjectMeta> regarding,
        string type,
        string reason,
        string action,
        string note,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var reference = Reference(regarding);
        var ns = reference.NamespaceProperty ?? "default";
        var key = string.Join('\u001f', reference.Uid ?? $"{reference.NamespaceProperty}/{reference.Name}", reference.Kind, type, reason, action, note);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = clock.GetUtcNow();
            Evict(now);
            if (recent.TryGetValue(key, out var series) && now - series.LastSeen < options.SeriesWindow)
            {
                series.Count++;
                series.LastSeen = now;
                if (await PatchSeriesAsync(series, now, cancellationToken).ConfigureAwait(false))
                {
                    return series.Name;
                }

                recent.Remove(key);
            }

            var created = await CreateAsync(reference, ns, type, reason, action, note, now, cancellationToken).ConfigureAwait(false);
            recent[key] = new Series(ns, created, now);
            return created;
        }
#pragma warning disable CA1031 // Events are best effort: never fail a reconcile because an event could not be written.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.EventFailed(logger, e, reason, $"{reference.Kind} {reference.NamespaceProperty}/{reference.Name}");
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A MicroTime with microsecond precision and a non-zero fraction, so it serialises with six digits.</summary>
    internal static DateTime MicroTime(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var micro = new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
        return micro.Ticks % TimeSpan.TicksPerSecond == 0 ? micro.AddTicks(10) : micro;
    }

    private async Task<string> CreateAsync(V1ObjectReference reference, string ns, string type, string reason, string action, string note, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var suffix = "." + now.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture) + Random.Shared.Next(0x1000).ToString("x3", CultureInfo.InvariantCulture);
        var baseName = (reference.Name ?? "event").ToLowerInvariant();
        if (baseName.Length + suffix.Length > 253)
        {
            baseName = baseName[..(253 - suffix.Length)].TrimEnd('.', '-');
        }

        var ev = new Eventsv1Event
        {
            ApiVersion = "events.k8s.io/v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = baseName + suffix, NamespaceProperty = ns },
            EventTime = MicroTime(now),
            Regarding = reference,
            Type = type,
            Reason = reason,
            Action = action,
            Note = note.Length > 1024 ? note[..1024] : note,
            ReportingController = options.ReportingController,
            ReportingInstance = options.ReportingInstance,
        };
        var created = await client.EventsV1.CreateNamespacedEventAsync(ev, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        return created.Metadata.Name;
    }

    private async Task<bool> PatchSeriesAsync(Series series, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["series"] = new JsonObject
            {
                ["count"] = series.Count,
                ["lastObservedTime"] = JsonNode.Parse(KubernetesJson.Serialize(MicroTime(now))),
            },
        };
        try
        {
            await client.EventsV1.PatchNamespacedEventAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), series.Name, series.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private void Evict(DateTimeOffset now)
    {
        if (recent.Count < 4096)
        {
            return;
        }

        foreach (var stale in recent.Where(kv => now - kv.Value.LastSeen >= options.SeriesWindow).Select(kv => kv.Key).ToArray())
        {
            recent.Remove(stale);
        }
    }

    private static V1ObjectReference Reference(IKubernetesObject<V1ObjectMeta> obj)
    {
        string? apiVersion = obj.ApiVersion;
        string? kind = obj.Kind;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            var info = EntityInfo.Of(obj.GetType());
            apiVersion = info.ApiVersion;
            kind = info.Kind;
        }

        return new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Name = obj.Metadata?.Name,
            NamespaceProperty = obj.Metadata?.NamespaceProperty,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
        };
    }
}
