using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InferenceOperator.TestApiServer;

/// <summary>
/// The structural-schema part of CRD handling: pruning of unknown fields and OpenAPI v3 validation (type, enum,
/// required, minimum/maximum, length, pattern, items), answered as kube-apiserver words it. CEL rules
/// (x-kubernetes-validations) are not evaluated: tests add equivalent rules with TestApiServer.AddValidationRule.
/// </summary>
internal static class SchemaValidator
{
    private static readonly HashSet<string> RootFields = ["apiVersion", "kind", "metadata"];

    /// <summary>Field paths in <paramref name="obj"/> the schema does not declare (".spec.foo").</summary>
    public static List<string> UnknownFields(JsonObject obj, JsonObject schema)
    {
        var unknown = new List<string>();
        Prune(obj, schema, "", unknown, remove: false, root: true);
        return unknown;
    }

    /// <summary>Removes fields the schema does not declare, as the API server prunes them on create/update/patch.</summary>
    public static void Prune(JsonObject obj, JsonObject schema)
    {
        Prune(obj, schema, "", [], remove: true, root: true);
    }

    private static void Prune(JsonNode? node, JsonObject schema, string path, List<string> unknown, bool remove, bool root = false)
    {
        if (node is null || IsTrue(schema["x-kubernetes-preserve-unknown-fields"]) || IsTrue(schema["x-kubernetes-embedded-resource"]))
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
            {
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in obj.ToArray())
                {
                    if (root && RootFields.Contains(key))
                    {
                        continue;
                    }

                    var childPath = $"{path}.{key}";
                    if (properties?[key] is JsonObject childSchema)
                    {
                        Prune(child, childSchema, childPath, unknown, remove);
                    }
                    else if (additional is not null)
                    {
                        Prune(child, additional, childPath, unknown, remove);
                    }
                    else
                    {
                        unknown.Add(childPath);
                        if (remove)
                        {
                            obj.Remove(key);
                        }
                    }
                }

                break;
            }

            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, $"{path}[{i}]", unknown, remove);
                }

                break;
        }
    }

    /// <summary>Validation errors as (field, reason, detail), e.g. ("spec.uri", "FieldValueRequired", "Required value").</summary>
    public static List<(string Field, string Reason, string Detail)> Validate(JsonObject obj, JsonObject schema)
    {
        var errors = new List<(string, string, string)>();
        Walk(obj, schema, "", errors, root: true);
        return errors;
    }

    private static void Walk(JsonNode? node, JsonObject schema, string path, List<(string, string, string)> errors, bool root = false)
    {
        var type = schema["type"]?.GetValue<string>();
        if (node is null)
        {
            if (!IsTrue(schema["nullable"]) && type is not null)
            {
                errors.Add((path, "FieldValueTypeInvalid", $"Invalid value: \"null\": {path} in body must be of type {type}: \"null\""));
            }

            return;
        }

        if (type is not null && !IsTrue(schema["x-kubernetes-int-or-string"]) && !HasType(node, type))
        {
            errors.Add((path, "FieldValueTypeInvalid", $"Invalid value: \"{JsonType(node)}\": {path} in body must be of type {type}: \"{JsonType(node)}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            var supported = string.Join(", ", allowed.Select(a => a?.ToJsonString()));
            errors.Add((path, "FieldValueNotSupported", $"Unsupported value: {node.ToJsonString()}: supported values: {supported}"));
        }

        if (node is JsonValue value)
        {
            CheckScalar(value, schema, path, errors);
            return;
        }

        if (node is JsonArray array)
        {
            if (schema["minItems"] is { } minItems && array.Count < minItems.GetValue<long>())
            {
                errors.Add((path, "FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {minItems} items"));
            }

            if (schema["maxItems"] is { } maxItems && array.Count > maxItems.GetValue<long>())
            {
                errors.Add((path, "FieldValueTooMany", $"Too many: {array.Count}: must have at most {maxItems} items"));
            }

            if (schema["items"] is JsonObject items)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], items, $"{path}[{i}]", errors);
                }
            }

            return;
        }

        var obj = (JsonObject)node;
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            var key = required!.GetValue<string>();
            if (!obj.ContainsKey(key))
            {
                errors.Add((Join(path, key), "FieldValueRequired", "Required value"));
            }
        }

        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach (var (key, child) in obj)
        {
            if (root && RootFields.Contains(key))
            {
                continue;
            }

            if (properties?[key] is JsonObject childSchema)
            {
                Walk(child, childSchema, Join(path, key), errors);
            }
            else if (additional is not null)
            {
                Walk(child, additional, Join(path, key), errors);
            }
        }
    }

    private static void CheckScalar(JsonValue value, JsonObject schema, string path, List<(string, string, string)> errors)
    {
        if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = value.GetValue<double>();
            if (schema["minimum"] is { } minimum && number < minimum.GetValue<double>())
            {
                errors.Add((path, "FieldValueInvalid", $"Invalid value: {value.ToJsonString()}: {path} in body should be greater than or equal to {minimum.ToJsonString()}"));
            }

            if (schema["maximum"] is { } maximum && number > maximum.GetValue<double>())
            {
                errors.Add((path, "FieldValueInvalid", $"Invalid value: {value.ToJsonString()}: {path} in body should be less than or equal to {maximum.ToJsonString()}"));
            }
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (schema["minLength"] is { } minLength && text.Length < minLength.GetValue<long>())
            {
                errors.Add((path, "FieldValueInvalid", $"Invalid value: \"{text}\": {path} in body should be at least {minLength} chars long"));
            }

            if (schema["maxLength"] is { } maxLength && text.Length > maxLength.GetValue<long>())
            {
                errors.Add((path, "FieldValueTooLong", $"Too long: may not be longer than {maxLength}"));
            }

            if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add((path, "FieldValueInvalid", $"Invalid value: \"{text}\": {path} in body should match '{pattern}'"));
            }
        }
    }

    private static bool HasType(JsonNode node, string type) => type switch
    {
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Abs(d % 1) < double.Epsilon,
        _ => true,
    };

    private static string JsonType(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;
}
