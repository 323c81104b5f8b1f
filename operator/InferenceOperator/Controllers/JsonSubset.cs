using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace InferenceOperator.Controllers;

/// <summary>
/// Compares what the operator would apply with what the API server holds, so a converged object is never written again:
/// every field of the desired object must be present in the live one with the same value (the server may add defaults
/// and other managers' fields); quantities compare by value ("1000m" equals "1", "1Gi" equals "1024Mi").
/// </summary>
internal static class JsonSubset
{
    public static bool Covers(object desired, object? live)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (live is null)
        {
            return false;
        }

        var want = JsonNode.Parse(KubernetesJson.Serialize(desired));
        var have = JsonNode.Parse(KubernetesJson.Serialize(live));
        if (want is JsonObject wantObject)
        {
            // apiVersion/kind are often missing from informer copies; the type already matches.
            wantObject.Remove("apiVersion");
            wantObject.Remove("kind");
        }

        return IsSubset(want, have);
    }

    public static bool IsSubset(JsonNode? want, JsonNode? have)
    {
        switch (want)
        {
            case null:
                return true;
            case JsonObject wantObject:
                if (have is not JsonObject haveObject)
                {
                    return false;
                }

                foreach (var (key, value) in wantObject)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (!haveObject.TryGetPropertyValue(key, out var other) || !IsSubset(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray wantArray:
                if (have is not JsonArray haveArray || haveArray.Count != wantArray.Count)
                {
                    return false;
                }

                for (var i = 0; i < wantArray.Count; i++)
                {
                    if (!IsSubset(wantArray[i], haveArray[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ScalarEquals((JsonValue)want, have);
        }
    }

    /// <summary>
    /// A JSON merge patch (RFC 7386) that turns <paramref name="from"/> into <paramref name="to"/>: changed and new
    /// fields, and null for fields to remove. Arrays are replaced whole. Null when nothing differs.
    /// </summary>
    public static JsonNode? MergePatch(JsonNode? from, JsonNode? to)
    {
        if (to is JsonObject toObject && from is JsonObject fromObject)
        {
            var patch = new JsonObject();
            foreach (var (key, value) in fromObject)
            {
                if (value is not null && (!toObject.TryGetPropertyValue(key, out var replacement) || replacement is null))
                {
                    patch[key] = null;
                }
            }

            foreach (var (key, value) in toObject)
            {
                if (value is null)
                {
                    continue;
                }

                fromObject.TryGetPropertyValue(key, out var old);
                var inner = MergePatch(old, value);
                if (inner is not null)
                {
                    patch[key] = inner;
                }
            }

            return patch.Count == 0 ? null : patch;
        }

        return JsonNode.DeepEquals(from, to) ? null : to?.DeepClone() ?? JsonValue.Create((string?)null);
    }

    private static bool ScalarEquals(JsonValue want, JsonNode? have)
    {
        if (have is not JsonValue haveValue)
        {
            return false;
        }

        if (JsonNode.DeepEquals(want, haveValue))
        {
            return true;
        }

        var wantKind = want.GetValueKind();
        var haveKind = haveValue.GetValueKind();
        if (wantKind == JsonValueKind.Number && haveKind == JsonValueKind.Number)
        {
            return want.GetValue<decimal>() == haveValue.GetValue<decimal>();
        }

        if (wantKind == JsonValueKind.String && haveKind == JsonValueKind.String)
        {
            return QuantityEquals(want.GetValue<string>(), haveValue.GetValue<string>());
        }

        // IntOrString: 8080 and "8080" are the same port.
        return want.ToJsonString().Trim('"') == haveValue.ToJsonString().Trim('"') && (wantKind == JsonValueKind.Number || haveKind == JsonValueKind.Number);
    }

    private static bool QuantityEquals(string a, string b)
    {
        if (!LooksLikeQuantity(a) || !LooksLikeQuantity(b))
        {
            return false;
        }

        try
        {
            return new ResourceQuantity(a).ToDecimal() == new ResourceQuantity(b).ToDecimal();
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool LooksLikeQuantity(string text) =>
        text.Length is > 0 and < 64
        && (char.IsDigit(text[0]) || text[0] is '.' or '+' or '-')
        && decimal.TryParse(new string(text.TakeWhile(c => char.IsDigit(c) || c is '.' or '+' or '-').ToArray()), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
