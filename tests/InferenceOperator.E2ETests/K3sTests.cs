using InferenceOperator.Api;
using InferenceOperator.Hosting;
using InferenceOperator.Kube;
using InferenceOperator.Testing;
using k8s;
using k8s.Models;
using Testcontainers.K3s;
using Xunit;

namespace InferenceOperator.E2ETests;

/// <summary>
/// The operator in-process against a real K3s (Testcontainers): install crds/ and config/catalog, apply
/// examples/minilm-embeddings.yaml, and watch the owned objects and status appear. Skipped, with the reason, where no
/// Docker engine answers.
/// </summary>
public sealed class K3sTests
{
    [SkippableFact]
    public async Task Should_ReconcileTheMiniLmExample_OnK3s()
    {
        var unavailable = await DockerEngine.UnavailableReasonAsync();
        Skip.If(unavailable is not null, unavailable);

        var root = RepositoryPaths.Root;
        // Kubernetes 1.26: the oldest version the operator targets, so no newer field slips in.
        await using var k3s = new K3sBuilder("rancher/k3s:v1.26.15-k3s1").Build();
        await k3s.StartAsync();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"k3s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(kubeconfig, await k3s.GetKubeconfigAsync());
        using var client = KubernetesClientFactory.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));

        foreach (var file in Directory.GetFiles(Path.Combine(root, "crds"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file)));
        }

        await WaitAsync(async () => (await client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items.Count(c => c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true) >= 3, "the CRDs are established");
        var profiles = new EntityClient<AcceleratorProfile>(client, "e2e");
        foreach (var file in Directory.GetFiles(Path.Combine(root, "config", "catalog"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
        {
            await profiles.CreateAsync(KubernetesYaml.Deserialize<AcceleratorProfile>(await File.ReadAllTextAsync(file)), default);
        }

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "search" } });
        var example = await File.ReadAllTextAsync(Path.Combine(root, "examples", "minilm-embeddings.yaml"));
        var documents = example.Split("\n---", StringSplitOptions.RemoveEmptyEntries);
        var policy = KubernetesYaml.Deserialize<InferencePolicy>(documents.Single(d => d.Contains("kind: InferencePolicy", StringComparison.Ordinal)));
        var service = KubernetesYaml.Deserialize<InferenceService>(documents.Single(d => d.Contains("kind: InferenceService", StringComparison.Ordinal)));

        // The example has no profile hints; give the MiniLM figures so the plan does not wait for a profiling pod.
        service.Spec.Model.Profile ??= new ModelProfile { Parameters = 22_713_216, FlopsPerInference = 2.9e9, SequenceLength = 128 };
        await new EntityClient<InferencePolicy>(client, "e2e").CreateAsync(policy, default);
        await new EntityClient<InferenceService>(client, "e2e").CreateAsync(service, default);

        await using var app = OperatorHost.Build([$"--Operator:Kubeconfig={kubeconfig}", $"--Operator:MetricsPort={FreePorts.Next()}", $"--Operator:HealthPort={FreePorts.Next()}"]);
        await app.StartAsync();
        try
        {
            var services = new EntityClient<InferenceService>(client, "e2e");
            await WaitAsync(async () => Conditions.IsTrue((await services.GetAsync("search", service.Metadata.Name, default))?.Status?.Conditions, "PlanReady"), "the example is planned");
            await WaitAsync(async () => await new EntityClient<V2HorizontalPodAutoscaler>(client, "e2e").GetAsync("search", service.Metadata.Name, default) is not null, "its HPA exists");
            var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(service.Metadata.Name, "search");
            // The HPA owns replicas: the operator's field manager never claims spec.replicas.
            var ours = deployment.Metadata.ManagedFields.Single(m => m.Manager == "inference-operator" && m.Operation == "Apply");
            Assert.DoesNotContain("\"f:replicas\"", KubernetesJson.Serialize(ours.FieldsV1), StringComparison.Ordinal);
            Assert.Equal("fetch-model", Assert.Single(deployment.Spec.Template.Spec.InitContainers).Name);
            Assert.NotNull(await client.CoreV1.ReadNamespacedServiceAsync(service.Metadata.Name, "search"));
        }
        finally
        {
            await app.StopAsync();
            File.Delete(kubeconfig);
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }

            await Task.Delay(250);
        }
    }
}
