using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceOperator.Api;
using InferenceOperator.Api.Validation;
using k8s;
using YamlDotNet.Core;

namespace InferenceOperator.Cli.Manifests;

/// <summary>
/// Reads InferenceService, InferencePolicy and AcceleratorProfile manifests (multi-document YAML or JSON) the way a
/// cluster would judge them: structural schema first, then the operator's spec rules. Nothing invalid gets through.
/// Without schemas only the operator's own checks run (typed reading and SpecValidator), as for an object an API server
/// admitted under an older CRD.
/// </summary>
internal sealed class ManifestReader(CrdSchemas? schemas)
{
    private static readonly string[] OurKinds = [InferenceService.KindName, InferencePolicy.KindName, AcceleratorProfile.KindName];

    public ManifestSet ReadFiles(IEnumerable<string> paths)
    {
        var set = new ManifestSet();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new CliException($"{path}: no such file");
            }

            Read(File.ReadAllText(path), path, set);
        }

        return set;
    }

    public ManifestSet ReadText(string yaml, string source)
    {
        var set = new ManifestSet();
        Read(yaml, source, set);
        return set;
    }

    private void Read(string yaml, string source, ManifestSet set)
    {
        IReadOnlyList<JsonNode?> documents;
        try
        {
            documents = YamlJson.Documents(yaml);
        }
        catch (YamlException ex)
        {
            set.Problems.Add(new ManifestProblem($"{source}:{ex.Start.Line}", "(document)", new SpecError("(yaml)", ex.Message)));
            return;
        }

        for (var index = 0; index < documents.Count; index++)
        {
            if (documents[index] is not JsonObject document)
            {
                continue;
            }

            var where = documents.Count > 1 ? $"{source}#{index + 1}" : source;
            var kind = document["kind"]?.GetValue<string>();
            var apiVersion = document["apiVersion"]?.GetValue<string>();
            var name = document["metadata"]?["name"]?.GetValue<string>() ?? "(unnamed)";
            var label = $"{kind ?? "(no kind)"}/{name}";
            if (apiVersion != Groups.ApiVersion || kind is null || !OurKinds.Contains(kind))
            {
                set.Skipped.Add($"{where} {label}: not an {Groups.ApiVersion} kind");
                continue;
            }

            if (document["metadata"]?["name"] is null)
            {
                set.Problems.Add(new ManifestProblem(where, label, new SpecError("metadata.name", "required: name the object")));
                continue;
            }

            var schemaErrors = schemas?.Check(kind, document) ?? [];
            if (schemaErrors.Count > 0)
            {
                set.Problems.AddRange(schemaErrors.Select(e => new ManifestProblem(where, label, e)));
                continue;
            }

            try
            {
                var text = document.ToJsonString();
                var errors = kind switch
                {
                    InferenceService.KindName => Add(set.Services, KubernetesJson.Deserialize<InferenceService>(text), SpecValidator.Validate),
                    InferencePolicy.KindName => Add(set.Policies, KubernetesJson.Deserialize<InferencePolicy>(text), SpecValidator.Validate),
                    _ => Add(set.Accelerators, KubernetesJson.Deserialize<AcceleratorProfile>(text), SpecValidator.Validate),
                };
                set.Problems.AddRange(errors.Select(e => new ManifestProblem(where, label, e)));
            }
            catch (JsonException ex)
            {
                var field = ex.Path is { } path ? path.TrimStart('$', '.') : "(manifest)";
                // STJ says "The JSON value could not be converted to System.Double. Path: …": keep the first sentence, name the field.
                var reason = ex.Message.Split(". Path:", 2)[0];
                set.Problems.Add(new ManifestProblem(where, label, new SpecError(field, $"wrong type or unsupported value ({reason})")));
            }
        }
    }

    private static IReadOnlyList<SpecError> Add<T>(List<T> target, T item, Func<T, IReadOnlyList<SpecError>> validate)
    {
        var errors = validate(item);
        if (errors.Count == 0)
        {
            target.Add(item);
        }

        return errors;
    }
}
