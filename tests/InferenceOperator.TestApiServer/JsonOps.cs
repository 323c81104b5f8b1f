using System.Globalization;
using System.Text.Json.Nodes;

namespace InferenceOperator.TestApiServer;

/// <summary>JSON document operations the API server needs: merge patch, JSON patch, apply merge, field paths.</summary>
internal static class JsonOps
{
    /// <summary>RFC 7386 JSON merge patch applied to a copy of <paramref name="target"/>.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = MergePatch(result[key], value);
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>Server-side-apply merge: objects merge recursively, lists and scalars replace.</summary>
    public static void ApplyMerge(JsonObject target, JsonObject applied)
    {
        foreach (var (key, value) in applied)
        {
            if (value is JsonObject appliedChild && target[key] is JsonObject targetChild)
            {
                ApplyMerge(targetChild, appliedChild);
            }
            else if (value is not null)
            {
                target[key] = value.DeepClone();
            }
        }
    }

    /// <summary>RFC 6902 JSON patch applied to a copy of <paramref name="target"/>.</summary>
    /// <exception cref="InvalidOperationException">An operation failed (bad path, failed test).</exception>
    public static JsonNode ApplyJsonPatch(JsonNode target, JsonArray operations)
    {
        var root = new JsonObject { ["r"] = target.DeepClone() };
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op)
            {
                throw new InvalidOperationException("json patch operation must be an object");
            }

            var kind = op["op"]?.GetValue<string>() ?? throw new InvalidOperationException("json patch operation without op");
            var path = op["path"]?.GetValue<string>() ?? throw new InvalidOperationException("json patch operation without path");
            switch (kind)
            {
                case "add":
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new InvalidOperationException("move without from");
                    var value = Remove(root, from);
                    Add(root, path, value);
                    break;
                }

                case "copy":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new InvalidOperationException("copy without from");
                    Add(root, path, Resolve(root, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                    {
                        throw new InvalidOperationException($"test operation failed at {path}");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unknown json patch op {kind}");
            }
        }

        return root["r"] ?? throw new InvalidOperationException("json patch removed the whole document");
    }

    private static string[] Pointer(string path) =>
        path.Length == 0 ? [] : path.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static (JsonNode Parent, string Last) Parent(JsonObject root, string path)
    {
        var segments = new[] { "r" }.Concat(Pointer(path)).ToArray();
        JsonNode current = root;
        foreach (var segment in segments[..^1])
        {
            current = Child(current, segment) ?? throw new InvalidOperationException($"path {path} does not exist");
        }

        return (current, segments[^1]);
    }

    private static JsonNode? Child(JsonNode node, string segment) => node switch
    {
        JsonObject o => o[segment],
        JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Resolve(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        return Child(parent, last);
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new InvalidOperationException($"cannot add at {path}");
        }
    }

    private static JsonNode? Remove(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
            {
                var value = o[last];
                o.Remove(last);
                return value;
            }

            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
            {
                var value = a[i];
                a.RemoveAt(i);
                return value;
            }

            default:
                throw new InvalidOperationException($"path {path} does not exist");
        }
    }

    /// <summary>
    /// Leaf field paths of a document as server-side apply tracks them: objects recurse, lists and scalars are leaves.
    /// Identity fields (apiVersion, kind, metadata name/namespace and server-set metadata) are not owned.
    /// </summary>
    public static HashSet<FieldPath> LeafPaths(JsonObject document)
    {
        var paths = new HashSet<FieldPath>();
        foreach (var (key, value) in document)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (metaKey is "labels" or "annotations" or "finalizers" or "ownerReferences")
                    {
                        Collect(metaValue, new FieldPath(["metadata", metaKey]), paths);
                    }
                }

                continue;
            }

            Collect(value, new FieldPath([key]), paths);
        }

        return paths;
    }

    private static void Collect(JsonNode? node, FieldPath prefix, HashSet<FieldPath> paths)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, value) in obj)
            {
                Collect(value, prefix.Append(key), paths);
            }
        }
        else
        {
            paths.Add(prefix);
        }
    }

    /// <summary>Value at a field path, or null when absent.</summary>
    public static JsonNode? At(JsonObject document, FieldPath path)
    {
        JsonNode? current = document;
        foreach (var segment in path.Segments)
        {
            current = current is JsonObject o ? o[segment] : null;
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>Removes the field at a path and any objects it leaves empty.</summary>
    public static void RemoveAt(JsonObject document, FieldPath path)
    {
        var chain = new List<JsonObject> { document };
        foreach (var segment in path.Segments[..^1])
        {
            if (chain[^1][segment] is not JsonObject next)
            {
                return;
            }

            chain.Add(next);
        }

        chain[^1].Remove(path.Segments[^1]);
        for (var i = chain.Count - 1; i > 0; i--)
        {
            if (chain[i].Count == 0)
            {
                chain[i - 1].Remove(path.Segments[i - 1]);
            }
        }
    }

    /// <summary>Renders a set of field paths as a FieldsV1 object ({"f:spec":{"f:replicas":{}}}).</summary>
    public static JsonObject FieldsV1(IEnumerable<FieldPath> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.OrderBy(p => p.ToString(), StringComparer.Ordinal))
        {
            var current = root;
            foreach (var segment in path.Segments)
            {
                var key = "f:" + segment;
                if (current[key] is not JsonObject next)
                {
                    next = [];
                    current[key] = next;
                }

                current = next;
            }
        }

        return root;
    }

    /// <summary>The document without the parts that do not count for metadata.generation.</summary>
    public static JsonObject SpecPart(JsonObject document, bool statusIsSubresource)
    {
        var copy = (JsonObject)document.DeepClone();
        copy.Remove("metadata");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        if (statusIsSubresource)
        {
            copy.Remove("status");
        }

        return copy;
    }
}

/// <summary>A field path in an object ("spec", "replicas").</summary>
internal sealed class FieldPath(IReadOnlyList<string> segments) : IEquatable<FieldPath>
{
    public string[] Segments { get; } = [.. segments];

    public FieldPath Append(string segment) => new([.. Segments, segment]);

    /// <summary>True when one path is the other or contains it (they address overlapping data).</summary>
    public bool Overlaps(FieldPath other)
    {
        var n = Math.Min(Segments.Length, other.Segments.Length);
        for (var i = 0; i < n; i++)
        {
            if (!string.Equals(Segments[i], other.Segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(FieldPath? other) => other is not null && Segments.AsSpan().SequenceEqual(other.Segments);

    public override bool Equals(object? obj) => obj is FieldPath other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var segment in Segments)
        {
            hash.Add(segment, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => "." + string.Join('.', Segments);
}
