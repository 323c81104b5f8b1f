using InferenceOperator.Api;
using InferenceOperator.Api.Schema;
using InferenceOperator.ApiMapping;
using InferenceOperator.Kube;
using k8s;

namespace InferenceOperator.IntegrationTests;

/// <summary>What the host tests share: CRDs and a catalog profile on a test API server, kubeconfig files, free ports.</summary>
internal static class HostFixture
{
    public static async Task InstallAsync(IKubernetes client)
    {
        foreach (var kind in CrdGenerator.Kinds)
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new CrdGenerator().Generate(kind));
        }

        await new EntityClient<AcceleratorProfile>(client, "test").CreateAsync(CatalogMapping.DefaultCatalog().First(a => a.Metadata.Name == "cpu-x86"), default);
    }

    /// <summary>Writes a kubeconfig for the server whose user authenticates with <paramref name="token"/>; the caller deletes it.</summary>
    public static async Task<string> KubeconfigAsync(TestApiServer.TestApiServer server, string token)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {{server.BaseUrl}}
            users:
            - name: test
              user:
                token: {{token}}
            contexts:
            - name: test
              context:
                cluster: test
                user: test
            current-context: test
            """);
        return path;
    }
}
