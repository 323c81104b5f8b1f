using InferenceOperator.Cli.Manifests;
using Xunit;

namespace InferenceOperator.Cli.Tests;

public sealed class ManifestValidationTests
{
    private static readonly CrdSchemas Schemas = new();

    private const string ValidService = """
        apiVersion: inferenceoperator.io/v1alpha1
        kind: InferenceService
        metadata:
          name: svc
          namespace: ml
        spec:
          model:
            uri: https://models.example.com/m.onnx
          slo:
            latencyP95Ms: 100
            throughputRps: 50
            minReplicas: 1
          precision: auto
          batching:
            maxBatchSize: 8
            maxQueueDelayMs: 5
          autoscaling:
            engine: hpa
            minReplicas: 1
            maxReplicas: 4
            metric: cpu
            target: 70
        """;

    public static TheoryData<string> Examples =>
        new(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "examples"), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Should_PassGeneratedSchemaAndSpecRules_ForEveryExample(string file)
    {
        var set = new ManifestReader(Schemas).ReadFiles([Path.Combine(RepositoryPaths.Root, "examples", file)]);

        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        Assert.NotEmpty(set.Services);
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Should_PassGeneratedSchemaAndSpecRules_ForEverySampleAndCatalogEntry(string path)
    {
        var set = new ManifestReader(Schemas).ReadFiles([Path.Combine(RepositoryPaths.Root, path)]);

        Assert.True(set.IsValid, string.Join("\n", set.Problems));
        Assert.NotEmpty(set.Services.Cast<object>().Concat(set.Policies).Concat(set.Accelerators));
    }

    public static TheoryData<string> SampleFiles => new(
        new[] { "config/samples", "config/catalog" }
            .Select(d => Path.Combine(RepositoryPaths.Root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.yaml"))
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f)));

    [Fact]
    public void Should_AcceptTheBaseManifest_SoBrokenVariantsFailForTheirOwnReason()
    {
        Assert.True(new ManifestReader(Schemas).ReadText(ValidService, "base").IsValid);
        Assert.True(new ManifestReader(null).ReadText(ValidService, "base").IsValid);
    }

    /// <summary>Bad manifests: (replace this line, with this, the field both checks must name, whether the schema alone can see it).</summary>
    public static TheoryData<string, string, string, bool> BadManifests => new()
    {
        // Wrong type.
        { "latencyP95Ms: 100", "latencyP95Ms: fast", "spec.slo.latencyP95Ms", true },
        // Unknown enum value.
        { "precision: auto", "precision: fp64", "spec.precision", true },
        { "engine: hpa", "engine: vpa", "spec.autoscaling.engine", true },
        // Negative and zero numbers.
        { "throughputRps: 50", "throughputRps: -50", "spec.slo.throughputRps", true },
        { "maxBatchSize: 8", "maxBatchSize: 0", "spec.batching.maxBatchSize", true },
        { "minReplicas: 1\n  precision", "minReplicas: -1\n  precision", "spec.slo.minReplicas", true },
        // Pattern.
        { "uri: https://models.example.com/m.onnx", "uri: s3://bucket/m.onnx", "spec.model.uri", true },
        // Out of range.
        { "maxQueueDelayMs: 5", "maxQueueDelayMs: 20000", "spec.batching.maxQueueDelayMs", true },
        // Cross-field rules: CEL in the API server, SpecValidator in the operator.
        { "minReplicas: 1\n    maxReplicas: 4", "minReplicas: 6\n    maxReplicas: 4", "spec.autoscaling.minReplicas", false },
        { "maxQueueDelayMs: 5", "maxQueueDelayMs: 150", "spec.batching.maxQueueDelayMs", false },
        { "target: 70", "target: 250", "spec.autoscaling.target", false },
        { "uri: https://models.example.com/m.onnx", "uri: http://models.example.com/m.onnx", "spec.model.sha256", false },
        { "minReplicas: 1\n    maxReplicas: 4", "minReplicas: 0\n    maxReplicas: 4", "spec.autoscaling.minReplicas", false },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Should_RejectBadManifest_BothBySchemaAndByOperatorRules(string original, string replacement, string field, bool schemaCatchesIt)
    {
        var yaml = Replace(ValidService, original, replacement);

        var byOperator = new ManifestReader(null).ReadText(yaml, "case");
        var bySchemaAndOperator = new ManifestReader(Schemas).ReadText(yaml, "case");
        var bySchemaAlone = Schemas.Check("InferenceService", YamlJson.Documents(yaml)[0]!);

        Assert.Contains(byOperator.Problems, p => p.Error.Field == field);
        Assert.Contains(bySchemaAndOperator.Problems, p => p.Error.Field == field);
        Assert.Empty(byOperator.Services);
        Assert.Empty(bySchemaAndOperator.Services);
        if (schemaCatchesIt)
        {
            Assert.Contains(bySchemaAlone, e => e.Field == field);
        }
        else
        {
            // Cross-field rules are CEL, which only an API server evaluates: the CRD must carry the rule and the schema passes.
            Assert.Empty(bySchemaAlone);
            var message = Assert.Single(byOperator.Problems).Error.Message;
            Assert.Contains(message, File.ReadAllText(Path.Combine(RepositoryPaths.Root, "crds", "inferenceoperator.io_inferenceservices.yaml")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_RejectUnknownField_NamingIt()
    {
        var yaml = Replace(ValidService, "latencyP95Ms: 100", "latencyP95ms: 100\n    latencyP95Ms: 100");

        var problems = new ManifestReader(Schemas).ReadText(yaml, "case").Problems;

        var problem = Assert.Single(problems);
        Assert.Equal("spec.slo.latencyP95ms", problem.Error.Field);
        Assert.Contains("unknown field", problem.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ListSupportedValues_When_EnumValueIsUnknown()
    {
        var yaml = Replace(ValidService, "precision: auto", "precision: fp64");

        var problem = Assert.Single(new ManifestReader(Schemas).ReadText(yaml, "case").Problems);

        Assert.Equal("spec.precision", problem.Error.Field);
        Assert.Equal("unsupported value \"fp64\": use one of auto, fp32, fp16, int8, int4", problem.Error.Message);
    }

    [Fact]
    public void Should_ReportYamlSyntaxError_WithLine()
    {
        var set = new ManifestReader(Schemas).ReadText("kind: InferenceService\n  bad: [", "broken.yaml");

        var problem = Assert.Single(set.Problems);
        Assert.StartsWith("broken.yaml:", problem.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_SkipForeignKinds_WithoutErrors()
    {
        var set = new ManifestReader(Schemas).ReadText("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n---\n" + ValidService, "mixed.yaml");

        Assert.True(set.IsValid);
        Assert.Single(set.Skipped);
        Assert.Single(set.Services);
    }

    private static string Replace(string yaml, string original, string replacement)
    {
        var normalized = yaml.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(original, normalized, StringComparison.Ordinal);
        var index = normalized.IndexOf(original, StringComparison.Ordinal);
        return normalized[..index] + replacement + normalized[(index + original.Length)..];
    }
}
