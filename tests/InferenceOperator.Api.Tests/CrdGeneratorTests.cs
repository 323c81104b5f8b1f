using InferenceOperator.Api.Schema;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Api.Tests;

public sealed class CrdGeneratorTests
{
    private readonly CrdGenerator generator = new();

    private V1JSONSchemaProps SpecSchema(Type kind) =>
        generator.Generate(kind).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];

    [Fact]
    public void Should_WriteSameYaml_When_GeneratedTwice()
    {
        foreach (var kind in CrdGenerator.Kinds)
        {
            Assert.Equal(CrdYaml.Serialize(generator.Generate(kind)), CrdYaml.Serialize(new CrdGenerator().Generate(kind)));
        }
    }

    [Fact]
    public void Should_MatchCommittedCrdFiles_When_Regenerated()
    {
        foreach (var kind in CrdGenerator.Kinds)
        {
            var crd = generator.Generate(kind);
            var path = Path.Combine(RepositoryPaths.Root, "crds", $"{crd.Spec.Group}_{crd.Spec.Names.Plural}.yaml");
            Assert.True(File.Exists(path), $"{path} is missing: run `make crds`");
            var committed = File.ReadAllText(path);
            var body = committed[(committed.IndexOf('\n', StringComparison.Ordinal) + 1)..];
            Assert.True(body == CrdYaml.Serialize(crd), $"{path} is stale: run `make crds` and commit the result");
        }
    }

    [Theory]
    [InlineData(typeof(InferenceService), "Namespaced", "infsvc", true)]
    [InlineData(typeof(InferencePolicy), "Namespaced", "infpol", false)]
    [InlineData(typeof(AcceleratorProfile), "Cluster", "accel", false)]
    public void Should_DeclareScopeShortNameAndStatusSubresource_PerKind(Type kind, string scope, string shortName, bool hasStatus)
    {
        var crd = generator.Generate(kind);

        Assert.Equal("inferenceoperator.io", crd.Spec.Group);
        Assert.Equal(scope, crd.Spec.Scope);
        Assert.Contains(shortName, crd.Spec.Names.ShortNames);
        Assert.Equal("v1alpha1", Assert.Single(crd.Spec.Versions).Name);
        Assert.Equal(hasStatus, crd.Spec.Versions[0].Subresources?.Status is not null);
    }

    [Fact]
    public void Should_PrintPrecisionAcceleratorReplicasCostReadyAge_ForInferenceServices()
    {
        var columns = generator.Generate(typeof(InferenceService)).Spec.Versions[0].AdditionalPrinterColumns
            .Where(c => c.Priority is null)
            .Select(c => c.Name);

        Assert.Equal(["Precision", "Accelerator", "Replicas", "$/h", "Ready", "Age"], columns);
    }

    [Fact]
    public void Should_CarryEnumsBoundsPatternsAndDefaults_FromAttributes()
    {
        var spec = SpecSchema(typeof(InferenceService));

        Assert.Equal(["auto", "fp32", "fp16", "int8", "int4"], spec.Properties["precision"].EnumProperty.Cast<string>());
        Assert.Equal("auto", spec.Properties["precision"].DefaultProperty);
        var latency = spec.Properties["slo"].Properties["latencyP95Ms"];
        Assert.Equal("number", latency.Type);
        Assert.Equal(0, latency.Minimum);
        Assert.True(latency.ExclusiveMinimum);
        Assert.Equal(["model", "slo"], spec.Required);
        Assert.Equal(["uri"], spec.Properties["model"].Required);
        Assert.NotNull(spec.Properties["model"].Properties["sha256"].Pattern);
        Assert.Equal("Latency and throughput the service must meet.", spec.Properties["slo"].Description);
    }

    [Fact]
    public void Should_EmitCelRulesWithMessageOnly_ForKubernetes126()
    {
        var rules = AllSchemas(generator.Generate(typeof(InferenceService)).Spec.Versions[0].Schema.OpenAPIV3Schema)
            .SelectMany(s => s.XKubernetesValidations ?? [])
            .ToList();

        Assert.True(rules.Count >= 5);
        Assert.All(rules, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Rule));
            Assert.False(string.IsNullOrWhiteSpace(r.Message));
            Assert.Null(r.MessageExpression);
            Assert.Null(r.Reason);
            Assert.Null(r.FieldPath);
        });
    }

    [Fact]
    public void Should_RequireListMapKeys_SoTheApiServerAcceptsTheCrd()
    {
        foreach (var kind in CrdGenerator.Kinds)
        {
            foreach (var schema in AllSchemas(generator.Generate(kind).Spec.Versions[0].Schema.OpenAPIV3Schema))
            {
                if (schema.XKubernetesListType == "map")
                {
                    var item = Assert.IsType<V1JSONSchemaProps>(schema.Items);
                    Assert.All(schema.XKubernetesListMapKeys, key => Assert.Contains(key, item.Required));
                }
            }
        }
    }

    [Fact]
    public void Should_QuoteStringsThatLookLikeOtherTypes_When_WritingYaml()
    {
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta { Name = "x" },
            Data = new Dictionary<string, string> { ["a"] = "true", ["b"] = "1.5", ["c"] = "", ["d"] = "no", ["e"] = "plain" },
        };

        var yaml = CrdYaml.Serialize(map);

        Assert.Contains("a: \"true\"", yaml, StringComparison.Ordinal);
        Assert.Contains("b: \"1.5\"", yaml, StringComparison.Ordinal);
        Assert.Contains("c: \"\"", yaml, StringComparison.Ordinal);
        Assert.Contains("d: \"no\"", yaml, StringComparison.Ordinal);
        Assert.Contains("e: plain", yaml, StringComparison.Ordinal);
    }

    private static IEnumerable<V1JSONSchemaProps> AllSchemas(V1JSONSchemaProps root)
    {
        yield return root;
        foreach (var child in root.Properties?.Values ?? [])
        {
            foreach (var nested in AllSchemas(child))
            {
                yield return nested;
            }
        }

        if (root.Items is V1JSONSchemaProps items)
        {
            foreach (var nested in AllSchemas(items))
            {
                yield return nested;
            }
        }

        if (root.AdditionalProperties is V1JSONSchemaProps additional)
        {
            foreach (var nested in AllSchemas(additional))
            {
                yield return nested;
            }
        }
    }
}
