using System.Text.Json.Nodes;

namespace InferenceOperator.TestApiServer;

/// <summary>A parsed label selector: =, ==, !=, in, notin, exists and !exists requirements.</summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    public static LabelSelector Everything { get; } = new();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            if (part.Contains(" notin ", StringComparison.Ordinal) || part.Contains(" in ", StringComparison.Ordinal))
            {
                var notIn = part.Contains(" notin ", StringComparison.Ordinal);
                var separator = notIn ? " notin " : " in ";
                var index = part.IndexOf(separator, StringComparison.Ordinal);
                var key = part[..index].Trim();
                var values = part[(index + separator.Length)..].Trim().TrimStart('(').TrimEnd(')')
                    .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                selector.requirements.Add(notIn
                    ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                    : labels => labels.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (part.Contains("!=", StringComparison.Ordinal))
            {
                var index = part.IndexOf("!=", StringComparison.Ordinal);
                var key = part[..index].Trim();
                var value = part[(index + 2)..].Trim();
                selector.requirements.Add(labels => !labels.TryGetValue(key, out var v) || v != value);
            }
            else if (part.Contains('=', StringComparison.Ordinal))
            {
                var index = part.IndexOf('=', StringComparison.Ordinal);
                var key = part[..index].Trim();
                var value = part[(index + 1)..].TrimStart('=').Trim();
                selector.requirements.Add(labels => labels.TryGetValue(key, out var v) && v == value);
            }
            else if (part.StartsWith('!'))
            {
                var key = part[1..].Trim();
                selector.requirements.Add(labels => !labels.ContainsKey(key));
            }
            else
            {
                selector.requirements.Add(labels => labels.ContainsKey(part));
            }
        }

        return selector;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    public bool Matches(JsonObject obj)
    {
        if (requirements.Count == 0)
        {
            return true;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject labelObject)
        {
            foreach (var (key, value) in labelObject)
            {
                labels[key] = value?.GetValue<string>() ?? "";
            }
        }

        return requirements.All(r => r(labels));
    }
}

/// <summary>A parsed field selector over metadata.name and metadata.namespace.</summary>
internal sealed class FieldSelector
{
    private readonly List<(string Field, string Value, bool Equal)> requirements = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEqual = raw.Contains("!=", StringComparison.Ordinal);
            var index = notEqual ? raw.IndexOf("!=", StringComparison.Ordinal) : raw.IndexOf('=', StringComparison.Ordinal);
            if (index <= 0)
            {
                throw ApiError.BadRequest($"invalid field selector: {raw}");
            }

            var field = raw[..index].Trim();
            var value = raw[(index + (notEqual ? 2 : 1))..].TrimStart('=').Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw ApiError.BadRequest($"field label not supported: {field}");
            }

            selector.requirements.Add((field, value, !notEqual));
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (field, value, equal) in requirements)
        {
            var actual = field == "metadata.name"
                ? obj["metadata"]?["name"]?.GetValue<string>()
                : obj["metadata"]?["namespace"]?.GetValue<string>();
            if (string.Equals(actual ?? "", value, StringComparison.Ordinal) != equal)
            {
                return false;
            }
        }

        return true;
    }
}
