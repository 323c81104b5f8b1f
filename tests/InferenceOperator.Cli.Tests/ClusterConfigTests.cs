using System.Diagnostics;
using k8s;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Cli.Tests;

public sealed class ClusterConfigTests
{
    private static string Config(string path) => Path.Combine(RepositoryPaths.Root, "config", path);

    [SkippableFact]
    public void Should_BuildDefaultKustomization_WithNamespacedObjectsInOperatorNamespaceOnly()
    {
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        Skip.If(kubectl is null, "kubectl is not installed, so `kubectl kustomize` cannot be run here");

        var start = new ProcessStartInfo(kubectl!, ["kustomize", Config("default")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, error);
        var objects = KubernetesYaml.LoadAllFromString(output, new Dictionary<string, Type>
        {
            ["inferenceoperator.io/v1alpha1/AcceleratorProfile"] = typeof(Api.AcceleratorProfile),
        });
        var kinds = objects.Cast<IKubernetesObject>().Select(o => o.Kind).ToList();
        Assert.Equal(3, kinds.Count(k => k == "CustomResourceDefinition"));
        Assert.Contains("Deployment", kinds);
        Assert.Contains("ClusterRole", kinds);
        Assert.Equal(10, kinds.Count(k => k == "AcceleratorProfile"));
        Assert.All(objects.OfType<Api.AcceleratorProfile>(), p => Assert.Null(p.Metadata.NamespaceProperty));
        Assert.Equal("inference-operator-system", objects.OfType<V1Deployment>().Single().Metadata.NamespaceProperty);
    }

    [Fact]
    public void Should_RunOperatorUnderRestrictedPodSecurity()
    {
        var deployment = KubernetesYaml.LoadAllFromString(File.ReadAllText(Config("manager/manager.yaml"))).OfType<V1Deployment>().Single();
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.NotNull(container.LivenessProbe);
        Assert.NotNull(container.ReadinessProbe);
        Assert.NotNull(container.Resources.Requests);
        Assert.NotNull(container.Resources.Limits);
    }

    [Fact]
    public void Should_GrantNoWildcardsAndNoSecrets_InOperatorRbac()
    {
        var roles = Directory.GetFiles(Config("rbac"), "*role.yaml")
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f)))
            .ToList();
        var rules = roles.OfType<V1ClusterRole>().SelectMany(r => r.Rules).Concat(roles.OfType<V1Role>().SelectMany(r => r.Rules)).ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, rule =>
        {
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain("secrets", rule.Resources);
        });
        var leaseRule = Assert.Single(roles.OfType<V1Role>()).Rules.Single();
        Assert.Equal(["leases"], leaseRule.Resources);
    }
}
