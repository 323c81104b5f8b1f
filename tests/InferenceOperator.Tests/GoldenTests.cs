using System.Runtime.CompilerServices;
using InferenceOperator.Api;
using InferenceOperator.Api.Schema;
using InferenceOperator.Desired;
using Xunit;

namespace InferenceOperator.Tests;

/// <summary>
/// The manifests the operator applies, as deterministic YAML checked into Golden/. Run with UPDATE_GOLDEN=1 to rewrite
/// them after an intended change, then review the diff.
/// </summary>
public sealed class GoldenTests
{
    public static TheoryData<string, string> Autoscalers()
    {
        var data = new TheoryData<string, string>();
        foreach (var engine in new[] { "hpa", "keda" })
        {
            foreach (var metric in new[] { "gpu-utilization", "queue-depth", "cpu", "requests" })
            {
                data.Add(engine, metric);
            }
        }

        return data;
    }

    [Fact]
    public void Should_MatchGolden_For_TheCpuWorkload()
    {
        var service = Fixtures.Service();
        var plan = Fixtures.Plan();
        var accelerator = Fixtures.Accelerator("cpu-x86");
        var options = Fixtures.Options();
        var config = EngineConfig.For(service, plan, accelerator, options);
        var autoscaler = Autoscaler.Build(service, plan, accelerator, null, options);

        Golden("configmap.yaml", config.ToConfigMap(service, plan));
        Golden("deployment-cpu-hpa.yaml", ServingDeployment.Build(service, plan, accelerator, config, options, autoscaler.DeploymentReplicas));
        Golden("service.yaml", ServingService.Build(service, plan, options));
        Golden("pdb.yaml", ServingService.DisruptionBudget(service, plan, autoscaler.SteadyStateMinimum)!);
        Golden("profile-job.yaml", ProfileJob.Build(service, options));
    }

    [Fact]
    public void Should_MatchGolden_For_AGpuWorkloadWithFixedReplicas()
    {
        var service = Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.None });
        var plan = Fixtures.Plan("nvidia-t4", replicas: 3);
        var accelerator = Fixtures.Accelerator("nvidia-t4");
        var options = Fixtures.Options();
        var config = EngineConfig.For(service, plan, accelerator, options);
        var autoscaler = Autoscaler.Build(service, plan, accelerator, null, options);

        Assert.Equal(3, autoscaler.DeploymentReplicas);
        Golden("deployment-gpu-fixed.yaml", ServingDeployment.Build(service, plan, accelerator, config, options, autoscaler.DeploymentReplicas));
    }

    [Theory]
    [MemberData(nameof(Autoscalers))]
    public void Should_MatchGolden_For_EachEngineAndMetric(string engine, string metric)
    {
        var service = Fixtures.Service(spec => spec.Autoscaling = new AutoscalingSpec
        {
            Engine = engine == "keda" ? AutoscalingEngine.Keda : AutoscalingEngine.Hpa,
            Metric = CrdYamlEnum<ScalingMetric>(metric),
            MaxReplicas = 12,
        });
        var plan = Fixtures.Plan("nvidia-t4");
        var built = Autoscaler.Build(service, plan, Fixtures.Accelerator("nvidia-t4"), Fixtures.Policy(), Fixtures.Options());

        object rendered = engine == "keda" ? built.ScaledObject! : built.Hpa!;
        Assert.Null(engine == "keda" ? built.Hpa : built.ScaledObject);
        Golden($"autoscaler-{engine}-{metric}.yaml", rendered);
    }

    private static T CrdYamlEnum<T>(string value)
        where T : struct, Enum => k8s.KubernetesJson.Deserialize<T>($"\"{value}\"");

    private static void Golden(string file, object manifest, [CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "Golden", file);
        var actual = CrdYaml.Serialize(manifest);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests with UPDATE_GOLDEN=1 and review the new file");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
