using InferenceOperator.Api;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Planning;
using k8s;
using Xunit;

namespace InferenceOperator.Cli.Tests;

public sealed class ServicePlannerTests
{
    private static readonly CrdSchemas Schemas = new();

    private static ModelProfile MeasuredMiniLm() => new()
    {
        Parameters = 22_700_000,
        FlopsPerInference = 2.9e9,
        SequenceLength = 128,
        Precisions =
        [
            new PrecisionProfile { Precision = Precision.Fp32, CosineMean = 1, CosineMin = 1, ThroughputBatch1 = 60, ThroughputBatch8 = 110, VCpus = 2 },
            new PrecisionProfile { Precision = Precision.Int8, CosineMean = 0.995, CosineMin = 0.98, ThroughputBatch1 = 90, ThroughputBatch8 = 160, VCpus = 2 },
            new PrecisionProfile { Precision = Precision.Int4, CosineMean = 0.97, CosineMin = 0.95 },
        ],
    };

    private static ManifestSet Example(string file) =>
        new ManifestReader(Schemas).ReadFiles([Path.Combine(RepositoryPaths.Root, "examples", file)]);

    [Fact]
    public void Should_PlanExampleUnderItsPolicy_AndRejectPrecisionsFailingTheQualityGate()
    {
        var set = Example("minilm-embeddings.yaml");

        var plan = Assert.Single(new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), MeasuredMiniLm()));

        Assert.Equal("cost-saver", plan.PolicyName);
        Assert.True(plan.Plan.IsFeasible, plan.Plan.Explain());
        Assert.NotEqual(InferenceOperator.Planning.Precision.Int4, plan.Plan.Chosen!.Precision);
        Assert.Contains(plan.Plan.Rejections, r => r.Reason.Contains("cosine 0.97", StringComparison.Ordinal));
        Assert.True(plan.Plan.Chosen.CostPerHour <= 5, "budget maxCostPerHour 5 must hold");
    }

    [Fact]
    public void Should_UseOnlyTheCpuProfile_When_PolicyAllowsOnlyCpu()
    {
        var set = Example("edge-cpu.yaml");

        var plan = Assert.Single(new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), MeasuredMiniLm()));

        Assert.Equal("cpu-x86", plan.Plan.Chosen!.Accelerator);
    }

    [Fact]
    public void Should_WriteStatusPlanWithFiniteFigures_AsJson()
    {
        var set = Example("minilm-embeddings.yaml");
        var plan = new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), MeasuredMiniLm())[0];

        var json = KubernetesJson.Serialize(PlanDocument.From(plan));

        Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", json, StringComparison.Ordinal);
        var document = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.Equal("minilm-embeddings", document.GetProperty("service").GetString());
        Assert.True(document.GetProperty("plan").GetProperty("costPerHour").GetDouble() > 0);
        Assert.True(document.GetProperty("plan").GetProperty("savingsPercent").GetDouble() > 0);
        Assert.Equal(5, document.GetProperty("plan").GetProperty("alternatives").GetArrayLength());
    }

    [Fact]
    public void Should_NameTheMissingPolicy_When_PolicyRefIsNotInTheManifests()
    {
        var set = Example("minilm-embeddings.yaml");
        set.Policies.Clear();

        var error = Assert.Throws<CliException>(() => new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), MeasuredMiniLm()));

        Assert.Contains("spec.policyRef.name 'cost-saver'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_AskForAProfile_When_NeitherHintsNorProfileFileExist()
    {
        var set = Example("minilm-embeddings.yaml");

        var error = Assert.Throws<CliException>(() => new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), null));

        Assert.Contains("--profile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_PlanFromTheDefaultCatalog_When_ManifestsCarryNoAcceleratorProfiles()
    {
        var catalog = ServicePlanner.Catalog(new ManifestSet());

        Assert.Equal(10, catalog.Count);
        Assert.Contains(catalog, a => a.Name == "nvidia-h100" && a.PricePerHour == 7.0);
        Assert.Contains(catalog, a => a.Name == "cpu-x86" && a.Kind == InferenceOperator.Planning.AcceleratorKind.Cpu && a.VCpus == 4);
    }
}
