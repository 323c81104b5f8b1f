using System.Text.Json.Nodes;
using InferenceOperator.Controllers;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Tests;

public sealed class JsonSubsetTests
{
    private static V1Container Container(string cpu, string memory, string image = "a:1") => new()
    {
        Name = "server",
        Image = image,
        Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) } },
    };

    [Fact]
    public void Should_Cover_When_LiveAddsDefaultsAndWritesQuantitiesDifferently()
    {
        var live = Container("1", "1Gi");
        live.TerminationMessagePath = "/dev/termination-log";
        live.ImagePullPolicy = "IfNotPresent";

        Assert.True(JsonSubset.Covers(Container("1000m", "1024Mi"), live));
    }

    [Theory]
    [InlineData("2", "1Gi", "a:1")]
    [InlineData("1", "1Mi", "a:1")]
    [InlineData("1", "1Gi", "b:2")]
    public void Should_NotCover_When_ADesiredValueDiffers(string cpu, string memory, string image)
    {
        Assert.False(JsonSubset.Covers(Container("1", "1Gi"), Container(cpu, memory, image)));
    }

    [Fact]
    public void Should_NotCover_When_ListsDifferInLength_Or_LiveIsMissing()
    {
        var desired = new V1PodSpec { Containers = [Container("1", "1Gi")] };
        var live = new V1PodSpec { Containers = [Container("1", "1Gi"), Container("1", "1Gi")] };

        Assert.False(JsonSubset.Covers(desired, live));
        Assert.False(JsonSubset.Covers(desired, null));
    }

    [Fact]
    public void Should_WriteNullsForRemovedFields_And_NothingWhenEqual()
    {
        var from = JsonNode.Parse("""{"plan":{"accelerator":"t4","replicas":2},"endpoint":"x","replicas":1}""");
        var to = JsonNode.Parse("""{"plan":{"accelerator":"l4"},"replicas":1}""");

        var patch = JsonSubset.MergePatch(from, to)!;

        Assert.Equal("""{"endpoint":null,"plan":{"replicas":null,"accelerator":"l4"}}""", patch.ToJsonString());
        Assert.Null(JsonSubset.MergePatch(to, to!.DeepClone()));
    }
}
