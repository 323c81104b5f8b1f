namespace InferenceOperator.Planning.Tests;

/// <summary>The examples: a cost policy at p95 100 ms and 50-200 rps beats the naive baseline by at least 5x per 1M inferences.</summary>
public sealed class ExampleSanityTests
{
    public static TheoryData<string, double> Examples() => new()
    {
        { "minilm", 50 }, { "minilm", 100 }, { "minilm", 200 },
        { "resnet18", 50 }, { "resnet18", 100 }, { "resnet18", 200 },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Should_CostAtLeastFiveTimesLessPerMillion_Than_NaiveBaseline(string modelName, double rps)
    {
        var model = modelName == "minilm" ? ExampleModels.MiniLm() : ExampleModels.ResNet18();
        var slo = new Slo { LatencyP95Ms = 100, ThroughputRps = rps };

        var plan = new Planner().Plan(model, slo, new Policy { Objective = Objective.Cost }, DefaultCatalog.Create());

        Assert.True(plan.IsFeasible, plan.Explain());
        Assert.NotNull(plan.Baseline);
        Assert.Equal("nvidia-h100", plan.Baseline.Accelerator);
        var ratio = plan.Baseline.CostPerMillionInferences / plan.Chosen!.CostPerMillionInferences;
        Assert.True(ratio >= 5, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ratio {ratio:0.0}x: {plan.Explain()}"));
        Assert.True(plan.Chosen.PredictedP95Ms <= 100);
    }
}
