using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceOperator.Api.Schema;
using Json.Schema;
using k8s;

namespace InferenceOperator.Cli.Manifests;

/// <summary>
/// JSON Schemas derived from the generated CRDs, to check manifests the way an API server's structural schema would
/// (types, enums, bounds, patterns, required, unknown fields). CEL rules are not evaluated here: SpecValidator covers them.
/// </summary>
internal sealed class CrdSchemas
{
    private readonly Dictionary<string, (JsonSchema Schema, JsonNode Source)> byKind = new(StringComparer.Ordinal);

    public CrdSchemas()
    {
        var generator = new CrdGenerator();
        foreach (var kind in CrdGenerator.Kinds)
        {
            var crd = generator.Generate(kind);
            var openApi = JsonNode.Parse(KubernetesJson.Serialize(crd.Spec.Versions[0].Schema.OpenAPIV3Schema))!;
            var converted = ToJsonSchema(openApi)!.AsObject();
            converted["$schema"] = "https://json-schema.org/draft/2020-12/schema";
            byKind[crd.Spec.Names.Kind] = (JsonSchema.FromText(converted.ToJsonString()), converted);
        }
    }

    /// <summary>Schema errors as field paths (spec.slo.latencyP95Ms) with messages.</summary>
    public IReadOnlyList<Api.Validation.SpecError> Check(string kind, JsonNode manifest)
    {
        using var document = JsonDocument.Parse(manifest.ToJsonString());
        var (schema, source) = byKind[kind];
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var errors = new List<Api.Validation.SpecError>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            var field = FieldPath(detail.InstanceLocation.ToString());

            // additionalProperties: false fails at the unknown field itself, through the "false" schema.
            if (detail.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal))
            {
                errors.Add(new Api.Validation.SpecError(field, "unknown field: check its spelling and place (`kubectl explain` lists the fields)"));
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                errors.Add(new Api.Validation.SpecError(field, keyword == "enum"
                    ? $"unsupported value {Value(document.RootElement, detail.InstanceLocation.ToString())}: use one of {AllowedValues(source, detail.EvaluationPath.ToString())}"
                    : message));
            }
        }

        return errors.Distinct().ToList();
    }

    private static string Value(JsonElement root, string pointer)
    {
        var node = JsonNode.Parse(root.GetRawText());
        foreach (var part in Segments(pointer))
        {
            node = node is JsonArray array && int.TryParse(part, out var index) ? array[index] : node?[part];
        }

        return node?.ToJsonString() ?? "null";
    }

    private static string AllowedValues(JsonNode schema, string evaluationPath)
    {
        JsonNode? node = schema;
        foreach (var part in Segments(evaluationPath))
        {
            node = node?[part];
        }

        // The evaluation path of an enum failure ends at the property; the values sit under its "enum".
        node = node?["enum"];
        return node is JsonArray values ? string.Join(", ", values.Select(v => v?.ToString())) : "(see the CRD)";
    }

    private static IEnumerable<string> Segments(string pointer) =>
        pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));

    private static string FieldPath(string pointer)
    {
        if (pointer is "" or "#" or "/")
        {
            return "(manifest)";
        }

        var parts = pointer.TrimStart('#').Trim('/').Split('/');
        var path = "";
        foreach (var part in parts)
        {
            var unescaped = part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path += int.TryParse(unescaped, out _) ? $"[{unescaped}]" : (path.Length == 0 ? unescaped : "." + unescaped);
        }

        return path;
    }

    // OpenAPI v3 (Kubernetes flavour) → JSON Schema 2020-12: boolean exclusiveMinimum becomes numeric, x-kubernetes-*
    // extensions are dropped, and objects with declared properties reject unknown fields as kubectl's strict validation does.
    private static JsonNode? ToJsonSchema(JsonNode? node)
    {
        if (node is not JsonObject source)
        {
            return node?.DeepClone();
        }

        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (key.StartsWith("x-kubernetes-", StringComparison.Ordinal) || key is "exclusiveMinimum" or "exclusiveMaximum" or "format")
            {
                continue;
            }

            result[key] = key switch
            {
                "properties" => new JsonObject(value!.AsObject().Select(p =>
                    KeyValuePair.Create(p.Key, ToJsonSchema(p.Value)))),
                "items" or "additionalProperties" => ToJsonSchema(value),
                _ => value?.DeepClone(),
            };
        }

        if (source["exclusiveMinimum"]?.GetValue<bool>() == true && source["minimum"] is { } minimum)
        {
            result.Remove("minimum");
            result["exclusiveMinimum"] = minimum.DeepClone();
        }

        if (source["properties"] is not null && source["additionalProperties"] is null)
        {
            result["additionalProperties"] = false;
        }

        return result;
    }
}
