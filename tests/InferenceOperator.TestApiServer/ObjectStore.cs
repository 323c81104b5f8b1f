using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace InferenceOperator.TestApiServer;

internal readonly record struct ObjectKey(string Group, string Version, string Plural, string Namespace, string Name);

internal readonly record struct ManagerKey(string Manager, string Operation, string Subresource);

internal sealed class StoredObject(JsonObject data, Dictionary<ManagerKey, HashSet<FieldPath>> managers)
{
    public JsonObject Data { get; } = data;

    public Dictionary<ManagerKey, HashSet<FieldPath>> Managers { get; } = managers;

    public Dictionary<ManagerKey, string> ManagerTimes { get; } = [];
}

internal sealed record HistoryEvent(long ResourceVersion, string Type, ResourceType Resource, string Namespace, JsonObject Object, string ObjectJson, JsonObject? Old);

/// <summary>One open watch: its filter and the lines waiting to be written.</summary>
internal sealed class Watcher(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
{
    public ResourceType Type { get; } = type;

    public string? Namespace { get; } = ns;

    public bool Bookmarks { get; } = bookmarks;

    public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public bool Matches(JsonObject obj) => labels.Matches(obj) && fields.Matches(obj);
}

/// <summary>Objects, resource versions, watch history and field ownership, all behind one lock.</summary>
internal sealed partial class ObjectStore(TimeProvider time, int historyLimit)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceType> types = [];
    private readonly Dictionary<ObjectKey, StoredObject> objects = [];
    private readonly List<HistoryEvent> history = [];
    private readonly List<Watcher> watchers = [];
    private readonly Dictionary<(string Group, string Plural), List<Func<JsonObject, (string Field, string Message)?>>> rules = [];
    // Like etcd's revision, never "0": a list of an empty store must give a resourceVersion a watch can resume from.
    private long resourceVersion = 100;
    private long compactedResourceVersion;

    public int HistoryLimit { get; set; } = historyLimit;

    public long ResourceVersion
    {
        get
        {
            lock (gate)
            {
                return resourceVersion;
            }
        }
    }

    public int EffectiveWrites { get; private set; }

    public void Register(ResourceType type)
    {
        lock (gate)
        {
            types[(type.Group, type.Version, type.Plural)] = type;
        }
    }

    public void AddRule(string group, string plural, Func<JsonObject, (string Field, string Message)?> rule)
    {
        lock (gate)
        {
            if (!rules.TryGetValue((group, plural), out var list))
            {
                list = [];
                rules[(group, plural)] = list;
            }

            list.Add(rule);
        }
    }

    public ResourceType? Find(string group, string version, string plural)
    {
        lock (gate)
        {
            return types.GetValueOrDefault((group, version, plural));
        }
    }

    public ResourceType? FindByKind(string group, string version, string kind)
    {
        lock (gate)
        {
            return types.Values.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind);
        }
    }

    public void CompactHistory()
    {
        lock (gate)
        {
            history.Clear();
            compactedResourceVersion = resourceVersion;
        }
    }

    // ---- reads ----
    public JsonObject Get(ResourceType type, string ns, string name)
    {
        lock (gate)
        {
            return Render(type, Existing(type, ns, name));
        }
    }

    public JsonObject List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? rv, string? rvMatch)
    {
        lock (gate)
        {
            var snapshot = objects
                .Where(kv => Same(kv.Key, type) && (ns is null || kv.Key.Namespace == ns))
                .ToDictionary(kv => (kv.Key.Namespace, kv.Key.Name), kv => Render(type, kv.Value));
            var listVersion = resourceVersion;
            if (rvMatch == "Exact" && rv is not null)
            {
                var requested = ParseResourceVersion(rv);
                if (requested < compactedResourceVersion)
                {
                    throw ApiError.Expired($"The resourceVersion for the provided list is too old.");
                }

                // Rewind the current state to the requested version by undoing newer events.
                for (var i = history.Count - 1; i >= 0 && history[i].ResourceVersion > requested; i--)
                {
                    var e = history[i];
                    if (!e.Resource.SameResource(type) || (ns is not null && e.Namespace != ns))
                    {
                        continue;
                    }

                    var key = (e.Namespace, Name(e.Object));
                    if (e.Old is null)
                    {
                        snapshot.Remove(key);
                    }
                    else
                    {
                        snapshot[key] = (JsonObject)e.Old.DeepClone();
                    }
                }

                listVersion = requested;
            }

            var items = snapshot.Values
                .Where(o => labels.Matches(o) && fields.Matches(o))
                .OrderBy(o => o["metadata"]?["namespace"]?.GetValue<string>(), StringComparer.Ordinal)
                .ThenBy(Name, StringComparer.Ordinal)
                .Select(JsonNode (o) => o)
                .ToArray();
            return new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            };
        }
    }

    // ---- writes ----
    public JsonObject Create(ResourceType type, string ns, JsonObject body, string manager)
    {
        lock (gate)
        {
            var metadata = body["metadata"] as JsonObject ?? [];
            body["metadata"] = metadata;
            CheckNamespace(type, ns, metadata);
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var generateName = metadata["generateName"]?.GetValue<string>();
                if (string.IsNullOrEmpty(generateName))
                {
                    throw ApiError.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
                }

                do
                {
                    name = generateName + RandomSuffix();
                }
                while (objects.ContainsKey(Key(type, ns, name)));
                metadata["name"] = name;
            }

            if (objects.ContainsKey(Key(type, ns, name)))
            {
                throw ApiError.AlreadyExists(type, name);
            }

            if (type.HasStatusSubresource)
            {
                body.Remove("status");
            }

            if (type.Schema is { } schema)
            {
                SchemaValidator.Prune(body, schema);
            }

            var managers = new Dictionary<ManagerKey, HashSet<FieldPath>>();
            var owned = JsonOps.LeafPaths(body);
            if (owned.Count > 0)
            {
                managers[new ManagerKey(manager, "Update", "")] = owned;
            }

            return CommitCreate(type, ns, name, body, managers);
        }
    }

    public JsonObject Update(ResourceType type, string ns, string name, JsonObject body, string manager, string subresource)
    {
        lock (gate)
        {
            var existing = Existing(type, ns, name);
            CheckNamespace(type, ns, body["metadata"] as JsonObject ?? []);
            var bodyName = body["metadata"]?["name"]?.GetValue<string>();
            if (bodyName is not null && bodyName != name)
            {
                throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            CheckPrecondition(type, existing, body);
            var candidate = Scope(type, existing.Data, body, subresource);
            PruneUnknown(type, candidate);
            return CommitUpdate(type, ns, name, existing, candidate, UpdateOwnership(existing, candidate, manager, subresource));
        }
    }

    public JsonObject Patch(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> patch, string manager, string subresource)
    {
        lock (gate)
        {
            var existing = Existing(type, ns, name);
            var current = (JsonObject)existing.Data.DeepClone();
            var patched = patch(current);
            CheckPrecondition(type, existing, patched);
            if (patched["metadata"]?["name"]?.GetValue<string>() is { } patchedName && patchedName != name)
            {
                throw ApiError.BadRequest("the name of the object may not be changed by a patch");
            }

            var candidate = Scope(type, existing.Data, patched, subresource);
            PruneUnknown(type, candidate);
            return CommitUpdate(type, ns, name, existing, candidate, UpdateOwnership(existing, candidate, manager, subresource));
        }
    }

    /// <summary>Mutates an object directly, as a kubelet or controller would, bypassing the subresource rules.</summary>
    public JsonObject Mutate(ResourceType type, string ns, string name, Action<JsonObject> mutate, string manager)
    {
        lock (gate)
        {
            var existing = Existing(type, ns, name);
            var candidate = (JsonObject)existing.Data.DeepClone();
            mutate(candidate);
            PreserveServerMetadata(existing.Data, candidate);
            return CommitUpdate(type, ns, name, existing, candidate, UpdateOwnership(existing, candidate, manager, ""));
        }
    }

    public JsonObject Apply(ResourceType type, string ns, string name, JsonObject body, string manager, bool force, string subresource)
    {
        lock (gate)
        {
            if (body["metadata"] is JsonObject bodyMetadata)
            {
                CheckNamespace(type, ns, bodyMetadata);
                if (bodyMetadata["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
                {
                    throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
                }
            }

            var applied = (JsonObject)body.DeepClone();
            applied.Remove("apiVersion");
            applied.Remove("kind");
            if (applied["metadata"] is JsonObject appliedMetadata)
            {
                foreach (var serverField in new[] { "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName" })
                {
                    appliedMetadata.Remove(serverField);
                }

                if (appliedMetadata.Count == 0)
                {
                    applied.Remove("metadata");
                }
            }

            if (subresource == "status")
            {
                foreach (var field in applied.Select(kv => kv.Key).Where(k => k != "status").ToArray())
                {
                    applied.Remove(field);
                }
            }
            else if (type.HasStatusSubresource)
            {
                applied.Remove("status");
            }

            if (type.Schema is { } schema && SchemaValidator.UnknownFields(applied, schema) is { Count: > 0 } unknown)
            {
                throw new ApiError(500, "InternalError", $"failed to create typed patch object ({(type.Namespaced ? ns + "/" : "")}{name}; {type.ApiVersion}, Kind={type.Kind}): {string.Join(", ", unknown.Select(u => u + ": field not declared in schema"))}");
            }

            var appliedPaths = JsonOps.LeafPaths(applied);
            var managerKey = new ManagerKey(manager, "Apply", subresource);
            var key = Key(type, ns, name);
            if (!objects.TryGetValue(key, out var existing))
            {
                if (subresource == "status")
                {
                    throw ApiError.NotFound(type, name);
                }

                var created = (JsonObject)applied.DeepClone();
                var createdMetadata = created["metadata"] as JsonObject ?? [];
                created["metadata"] = createdMetadata;
                createdMetadata["name"] = name;
                var managers = new Dictionary<ManagerKey, HashSet<FieldPath>>();
                if (appliedPaths.Count > 0)
                {
                    managers[managerKey] = appliedPaths;
                }

                return CommitCreate(type, ns, name, created, managers);
            }

            var conflicts = new List<(string Manager, FieldPath Path)>();
            foreach (var (otherKey, otherPaths) in existing.Managers)
            {
                if (otherKey.Manager == manager)
                {
                    continue;
                }

                foreach (var owned in otherPaths)
                {
                    var overlapping = appliedPaths.FirstOrDefault(p => p.Overlaps(owned));
                    if (overlapping is null)
                    {
                        continue;
                    }

                    var shorter = overlapping.Segments.Length <= owned.Segments.Length ? overlapping : owned;
                    if (!JsonNode.DeepEquals(JsonOps.At(existing.Data, shorter), JsonOps.At(applied, shorter)))
                    {
                        conflicts.Add((otherKey.Manager, owned));
                    }
                }
            }

            if (conflicts.Count > 0 && !force)
            {
                var list = string.Join("\n", conflicts.Select(c => $"conflict with \"{c.Manager}\" using {type.ApiVersion}: {c.Path}"));
                var message = conflicts.Count == 1
                    ? $"Apply failed with 1 conflict: {list}"
                    : $"Apply failed with {conflicts.Count} conflicts: {list}";
                throw new ApiError(409, "Conflict", message)
                {
                    DetailsName = name,
                    DetailsGroup = type.Group,
                    DetailsKind = type.Plural,
                    Causes = conflicts.Select(c => (c.Path.ToString(), "FieldManagerConflict", $"conflict with \"{c.Manager}\" using {type.ApiVersion}")).ToArray(),
                };
            }

            var newManagers = existing.Managers.ToDictionary(kv => kv.Key, kv => new HashSet<FieldPath>(kv.Value));
            foreach (var (_, path) in conflicts)
            {
                foreach (var (otherKey, set) in newManagers)
                {
                    if (otherKey.Manager != manager)
                    {
                        set.RemoveWhere(p => p.Overlaps(path));
                    }
                }
            }

            var candidate = (JsonObject)existing.Data.DeepClone();
            var previous = existing.Managers.GetValueOrDefault(managerKey) ?? [];
            foreach (var dropped in previous.Where(p => !appliedPaths.Contains(p)))
            {
                var ownedElsewhere = newManagers.Any(kv => kv.Key != managerKey && kv.Value.Any(p => p.Overlaps(dropped)));
                var stillApplied = appliedPaths.Any(p => p.Overlaps(dropped));
                if (!ownedElsewhere && !stillApplied)
                {
                    JsonOps.RemoveAt(candidate, dropped);
                }
            }

            JsonOps.ApplyMerge(candidate, applied);
            newManagers.Remove(managerKey);
            if (appliedPaths.Count > 0)
            {
                newManagers[managerKey] = appliedPaths;
            }

            foreach (var emptyKey in newManagers.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToArray())
            {
                newManagers.Remove(emptyKey);
            }

            return CommitUpdate(type, ns, name, existing, candidate, newManagers);
        }
    }

    public JsonObject Delete(ResourceType type, string ns, string name, out bool removed)
    {
        lock (gate)
        {
            var existing = Existing(type, ns, name);
            var finalizers = existing.Data["metadata"]?["finalizers"] as JsonArray;
            if (finalizers is { Count: > 0 })
            {
                removed = false;
                if (existing.Data["metadata"]?["deletionTimestamp"] is not null)
                {
                    return Render(type, existing);
                }

                var candidate = (JsonObject)existing.Data.DeepClone();
                return CommitUpdate(type, ns, name, existing, candidate, existing.Managers, markDeletion: true);
            }

            removed = true;
            return CommitDelete(type, ns, name, existing);
        }
    }

    // ---- watch ----
    public Watcher Subscribe(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? rv, bool bookmarks)
    {
        lock (gate)
        {
            var watcher = new Watcher(type, ns, labels, fields, bookmarks);
            if (string.IsNullOrEmpty(rv) || rv == "0")
            {
                foreach (var (key, stored) in objects.Where(kv => Same(kv.Key, type) && (ns is null || kv.Key.Namespace == ns)).OrderBy(kv => kv.Key.Name, StringComparer.Ordinal))
                {
                    var rendered = Render(type, stored);
                    if (watcher.Matches(rendered))
                    {
                        watcher.Lines.Writer.TryWrite(Line("ADDED", rendered.ToJsonString()));
                    }
                }
            }
            else
            {
                var requested = ParseResourceVersion(rv);
                if (requested < compactedResourceVersion)
                {
                    var status = ApiError.StatusBody(410, "Expired", $"too old resource version: {requested} ({compactedResourceVersion})");
                    watcher.Lines.Writer.TryWrite(Line("ERROR", status.ToJsonString()));
                    watcher.Lines.Writer.TryComplete();
                    return watcher;
                }

                foreach (var e in history.Where(e => e.ResourceVersion > requested))
                {
                    Deliver(watcher, e);
                }
            }

            watchers.Add(watcher);
            return watcher;
        }
    }

    public void Unsubscribe(Watcher watcher)
    {
        lock (gate)
        {
            watchers.Remove(watcher);
            watcher.Lines.Writer.TryComplete();
        }
    }

    public void Bookmark(Watcher watcher)
    {
        lock (gate)
        {
            var bookmark = new JsonObject
            {
                ["kind"] = watcher.Type.Kind,
                ["apiVersion"] = watcher.Type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            };
            watcher.Lines.Writer.TryWrite(Line("BOOKMARK", bookmark.ToJsonString()));
        }
    }

    public void CloseAllWatches()
    {
        lock (gate)
        {
            foreach (var watcher in watchers)
            {
                watcher.Lines.Writer.TryComplete();
            }

            watchers.Clear();
        }
    }

    // ---- internals ----
    private static string Line(string type, string objectJson) => $"{{\"type\":\"{type}\",\"object\":{objectJson}}}";

    private static void Deliver(Watcher watcher, HistoryEvent e)
    {
        if (!e.Resource.SameResource(watcher.Type) || (watcher.Namespace is not null && watcher.Namespace != e.Namespace))
        {
            return;
        }

        var matchesNow = watcher.Matches(e.Object);
        var matchedBefore = e.Old is not null && watcher.Matches(e.Old);
        switch (e.Type)
        {
            case "MODIFIED" when matchesNow && !matchedBefore:
                watcher.Lines.Writer.TryWrite(Line("ADDED", e.ObjectJson));
                break;
            case "MODIFIED" when !matchesNow && matchedBefore:
                watcher.Lines.Writer.TryWrite(Line("DELETED", e.ObjectJson));
                break;
            default:
                if (matchesNow)
                {
                    watcher.Lines.Writer.TryWrite(Line(e.Type, e.ObjectJson));
                }

                break;
        }
    }

    private void Record(string eventType, ResourceType type, string ns, JsonObject rendered, JsonObject? old)
    {
        var e = new HistoryEvent(resourceVersion, eventType, type, ns, rendered, rendered.ToJsonString(), old);
        history.Add(e);
        while (history.Count > HistoryLimit)
        {
            compactedResourceVersion = history[0].ResourceVersion;
            history.RemoveAt(0);
        }

        foreach (var watcher in watchers)
        {
            Deliver(watcher, e);
        }

        EffectiveWrites++;
        if (type.Group == "apiextensions.k8s.io" && eventType != "DELETED")
        {
            RegisterDefinition(rendered);
        }
    }

    private JsonObject CommitCreate(ResourceType type, string ns, string name, JsonObject data, Dictionary<ManagerKey, HashSet<FieldPath>> managers)
    {
        ValidateName(type, name);
        ValidateSpecial(type, data);
        ValidateSchema(type, name, data);
        var metadata = (JsonObject)data["metadata"]!;
        metadata.Remove("managedFields");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        if (type.Namespaced)
        {
            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Timestamp();
        metadata["generation"] = 1L;
        resourceVersion++;
        metadata["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        data["apiVersion"] = type.ApiVersion;
        data["kind"] = type.Kind;
        if (type.Group == "apiextensions.k8s.io")
        {
            MarkEstablished(data);
        }

        var stored = new StoredObject(data, managers);
        foreach (var key in managers.Keys)
        {
            stored.ManagerTimes[key] = Timestamp();
        }

        objects[Key(type, ns, name)] = stored;
        var rendered = Render(type, stored);
        Record("ADDED", type, ns, rendered, null);
        return rendered;
    }

    private JsonObject CommitUpdate(ResourceType type, string ns, string name, StoredObject existing, JsonObject candidate, Dictionary<ManagerKey, HashSet<FieldPath>> managers, bool markDeletion = false)
    {
        PreserveServerMetadata(existing.Data, candidate);
        if (markDeletion)
        {
            candidate["metadata"]!["deletionTimestamp"] = Timestamp();
            candidate["metadata"]!["deletionGracePeriodSeconds"] = 0;
        }

        candidate["apiVersion"] = type.ApiVersion;
        candidate["kind"] = type.Kind;
        var sameData = JsonNode.DeepEquals(existing.Data, candidate);
        var sameManagers = managers.Count == existing.Managers.Count
            && managers.All(kv => existing.Managers.TryGetValue(kv.Key, out var set) && set.SetEquals(kv.Value));
        if (sameData && sameManagers)
        {
            return Render(type, existing);
        }

        ValidateSpecial(type, candidate);
        ValidateSchema(type, name, candidate);
        var metadata = (JsonObject)candidate["metadata"]!;
        var oldGeneration = existing.Data["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var parsed) ? parsed
            : existing.Data["metadata"]?["generation"] is JsonValue gi && gi.TryGetValue<int>(out var small) ? small : 1L;
        var specChanged = !JsonNode.DeepEquals(JsonOps.SpecPart(existing.Data, type.HasStatusSubresource), JsonOps.SpecPart(candidate, type.HasStatusSubresource));
        metadata["generation"] = specChanged || markDeletion ? oldGeneration + 1 : oldGeneration;
        resourceVersion++;
        metadata["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        var oldRendered = Render(type, existing);
        var stored = new StoredObject(candidate, managers);
        foreach (var key in managers.Keys)
        {
            stored.ManagerTimes[key] = existing.ManagerTimes.TryGetValue(key, out var t) && existing.Managers[key].SetEquals(managers[key]) ? t : Timestamp();
        }

        var finalizers = metadata["finalizers"] as JsonArray;
        if (metadata["deletionTimestamp"] is not null && finalizers is not { Count: > 0 })
        {
            objects.Remove(Key(type, ns, name));
            var deleted = Render(type, stored);
            Record("DELETED", type, ns, deleted, oldRendered);
            return deleted;
        }

        objects[Key(type, ns, name)] = stored;
        var rendered = Render(type, stored);
        Record("MODIFIED", type, ns, rendered, oldRendered);
        return rendered;
    }

    private JsonObject CommitDelete(ResourceType type, string ns, string name, StoredObject existing)
    {
        var oldRendered = Render(type, existing);
        objects.Remove(Key(type, ns, name));
        resourceVersion++;
        var data = (JsonObject)existing.Data.DeepClone();
        data["metadata"]!["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        var rendered = Render(type, new StoredObject(data, existing.Managers));
        Record("DELETED", type, ns, rendered, oldRendered);
        if (type.Group == "apiextensions.k8s.io")
        {
            UnregisterDefinition(existing.Data);
        }

        return rendered;
    }

    private static void PreserveServerMetadata(JsonObject existing, JsonObject candidate)
    {
        var oldMetadata = (JsonObject)existing["metadata"]!;
        var newMetadata = candidate["metadata"] as JsonObject ?? [];
        candidate["metadata"] = newMetadata;
        newMetadata.Remove("managedFields");
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            newMetadata.Remove(field);
            if (oldMetadata[field] is { } value)
            {
                newMetadata[field] = value.DeepClone();
            }
        }
    }

    private static void CheckPrecondition(ResourceType type, StoredObject existing, JsonObject body)
    {
        var wanted = body["metadata"]?["resourceVersion"]?.GetValue<string>();
        var actual = existing.Data["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(wanted) && wanted != actual)
        {
            throw ApiError.Conflict(type, existing.Data["metadata"]?["name"]?.GetValue<string>() ?? "");
        }
    }

    /// <summary>Applies the status subresource rules: /status writes only .status; the main resource never writes .status.</summary>
    private static JsonObject Scope(ResourceType type, JsonObject existing, JsonObject written, string subresource)
    {
        if (subresource == "status")
        {
            var candidate = (JsonObject)existing.DeepClone();
            candidate.Remove("status");
            if (written["status"] is { } status)
            {
                candidate["status"] = status.DeepClone();
            }

            return candidate;
        }

        var result = (JsonObject)written.DeepClone();
        if (type.HasStatusSubresource)
        {
            result.Remove("status");
            if (existing["status"] is { } oldStatus)
            {
                result["status"] = oldStatus.DeepClone();
            }
        }

        return result;
    }

    private static Dictionary<ManagerKey, HashSet<FieldPath>> UpdateOwnership(StoredObject existing, JsonObject candidate, string manager, string subresource)
    {
        var managers = existing.Managers.ToDictionary(kv => kv.Key, kv => new HashSet<FieldPath>(kv.Value));
        var oldPaths = JsonOps.LeafPaths(existing.Data);
        var newPaths = JsonOps.LeafPaths(candidate);
        var changed = newPaths.Where(p => !JsonNode.DeepEquals(JsonOps.At(existing.Data, p), JsonOps.At(candidate, p))).ToList();
        var removed = oldPaths.Where(p => !newPaths.Contains(p)).ToList();
        foreach (var set in managers.Values)
        {
            set.RemoveWhere(p => removed.Any(r => r.Overlaps(p)) || changed.Any(c => c.Overlaps(p)));
        }

        if (changed.Count > 0)
        {
            var key = new ManagerKey(manager, "Update", subresource);
            if (!managers.TryGetValue(key, out var mine))
            {
                mine = [];
                managers[key] = mine;
            }

            mine.UnionWith(changed);
        }

        foreach (var emptyKey in managers.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToArray())
        {
            managers.Remove(emptyKey);
        }

        return managers;
    }

    private JsonObject Render(ResourceType type, StoredObject stored)
    {
        var copy = (JsonObject)stored.Data.DeepClone();
        copy["apiVersion"] = type.ApiVersion;
        copy["kind"] = type.Kind;
        if (stored.Managers.Count > 0)
        {
            var entries = stored.Managers
                .OrderBy(kv => kv.Key.Manager, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Operation, StringComparer.Ordinal)
                .Select(JsonNode (kv) =>
                {
                    var entry = new JsonObject
                    {
                        ["manager"] = kv.Key.Manager,
                        ["operation"] = kv.Key.Operation,
                        ["apiVersion"] = type.ApiVersion,
                        ["time"] = stored.ManagerTimes.GetValueOrDefault(kv.Key) ?? Timestamp(),
                        ["fieldsType"] = "FieldsV1",
                        ["fieldsV1"] = JsonOps.FieldsV1(kv.Value),
                    };
                    if (kv.Key.Subresource.Length > 0)
                    {
                        entry["subresource"] = kv.Key.Subresource;
                    }

                    return entry;
                })
                .ToArray();
            copy["metadata"]!["managedFields"] = new JsonArray(entries);
        }

        return copy;
    }

    private StoredObject Existing(ResourceType type, string ns, string name) =>
        objects.GetValueOrDefault(Key(type, ns, name)) ?? throw ApiError.NotFound(type, name);

    private static ObjectKey Key(ResourceType type, string ns, string name) =>
        new(type.Group, type.Version, type.Plural, type.Namespaced ? ns : "", name);

    private static bool Same(ObjectKey key, ResourceType type) =>
        key.Group == type.Group && key.Version == type.Version && key.Plural == type.Plural;

    private static string Name(JsonObject o) => o["metadata"]?["name"]?.GetValue<string>() ?? "";

    private static void CheckNamespace(ResourceType type, string ns, JsonObject metadata)
    {
        if (type.Namespaced && metadata["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNamespace && bodyNamespace != ns)
        {
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static long ParseResourceVersion(string rv) =>
        long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiError.BadRequest($"invalid resource version: {rv}");

    private string Timestamp() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$")]
    private static partial Regex MicroTime();

    private static void ValidateName(ResourceType type, string name)
    {
        if (name.Length > 253 || !DnsSubdomain().IsMatch(name))
        {
            throw ApiError.Invalid(
                type,
                name,
                "metadata.name",
                "FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        }
    }

    private static void PruneUnknown(ResourceType type, JsonObject candidate)
    {
        if (type.Schema is { } schema)
        {
            SchemaValidator.Prune(candidate, schema);
        }
    }

    /// <summary>OpenAPI schema validation plus the rules a test registered in place of CEL.</summary>
    private void ValidateSchema(ResourceType type, string name, JsonObject data)
    {
        var errors = type.Schema is { } schema ? SchemaValidator.Validate(data, schema) : [];
        foreach (var rule in rules.GetValueOrDefault((type.Group, type.Plural)) ?? [])
        {
            if (rule(data) is { } failure)
            {
                errors.Add((failure.Field, "FieldValueInvalid", $"Invalid value: \"object\": {failure.Message}"));
            }
        }

        if (errors.Count > 0)
        {
            throw ApiError.Invalid(type, name, errors);
        }
    }

    /// <summary>Per-resource validation the real server performs and the notes record.</summary>
    private static void ValidateSpecial(ResourceType type, JsonObject data)
    {
        if (type is not { Group: "events.k8s.io", Plural: "events" })
        {
            return;
        }

        var name = data["metadata"]?["name"]?.GetValue<string>() ?? "";
        var eventTime = data["eventTime"];
        if (eventTime is null)
        {
            throw ApiError.Invalid(type, name, "eventTime", "FieldValueRequired", "Required value");
        }

        var text = eventTime.GetValue<string>();
        if (!MicroTime().IsMatch(text))
        {
            throw ApiError.BadRequest($"Event in version \"v1\" cannot be handled as a Event: parsing time \"{text}\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse");
        }

        if (string.IsNullOrEmpty(data["reportingController"]?.GetValue<string>()))
        {
            throw ApiError.Invalid(type, name, "reportingController", "FieldValueRequired", "Required value");
        }

        if (string.IsNullOrEmpty(data["reportingInstance"]?.GetValue<string>()))
        {
            throw ApiError.Invalid(type, name, "reportingInstance", "FieldValueRequired", "Required value");
        }

        if (string.IsNullOrEmpty(data["action"]?.GetValue<string>()))
        {
            throw ApiError.Invalid(type, name, "action", "FieldValueRequired", "Required value");
        }

        if (data["series"] is JsonObject series)
        {
            if ((series["count"]?.GetValue<int>() ?? 0) < 2)
            {
                throw ApiError.Invalid(type, name, "series.count", "FieldValueInvalid", "Invalid value: should be at least 2");
            }

            var observed = series["lastObservedTime"]?.GetValue<string>() ?? "";
            if (!MicroTime().IsMatch(observed))
            {
                throw ApiError.BadRequest($"Event in version \"v1\" cannot be handled as a Event: parsing time \"{observed}\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse");
            }
        }
    }

    /// <summary>events.k8s.io/v1 rejects a generateName ending in '.', as the notes record.</summary>
    public static void ValidateGenerateName(ResourceType type, JsonObject body)
    {
        if (type is { Group: "events.k8s.io", Plural: "events" }
            && body["metadata"]?["generateName"]?.GetValue<string>() is { } generateName
            && generateName.EndsWith('.'))
        {
            throw ApiError.Invalid(type, generateName, "metadata.generateName", "FieldValueInvalid", $"Invalid value: \"{generateName}\": a lowercase RFC 1123 subdomain must end with an alphanumeric character");
        }
    }

    private static void MarkEstablished(JsonObject crd)
    {
        var names = crd["spec"]?["names"]?.DeepClone();
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["message"] = "no conflicts found" },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted" }),
            ["storedVersions"] = new JsonArray((crd["spec"]?["versions"] as JsonArray ?? []).Where(v => v?["storage"]?.GetValue<bool>() == true).Select(v => (JsonNode?)JsonValue.Create(v!["name"]!.GetValue<string>())).ToArray()),
        };
    }

    private void RegisterDefinition(JsonObject crd)
    {
        foreach (var type in DefinitionTypes(crd))
        {
            types[(type.Group, type.Version, type.Plural)] = type;
        }
    }

    private void UnregisterDefinition(JsonObject crd)
    {
        foreach (var type in DefinitionTypes(crd))
        {
            types.Remove((type.Group, type.Version, type.Plural));
        }
    }

    private static IEnumerable<ResourceType> DefinitionTypes(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = spec?["group"]?.GetValue<string>();
        var plural = spec?["names"]?["plural"]?.GetValue<string>();
        var kind = spec?["names"]?["kind"]?.GetValue<string>();
        if (group is null || plural is null || kind is null)
        {
            yield break;
        }

        var namespaced = spec?["scope"]?.GetValue<string>() != "Cluster";
        foreach (var version in spec?["versions"] as JsonArray ?? [])
        {
            if (version?["name"]?.GetValue<string>() is not { } name || version["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            yield return new ResourceType(group, name, plural, kind, namespaced, version["subresources"]?["status"] is not null)
            {
                Schema = version["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject,
            };
        }
    }
}
