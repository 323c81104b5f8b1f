using k8s;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class ServiceCollectionTests : ServerTest
{
    [Fact]
    public async Task Should_ResolveClientsThatShareOneFieldManager_When_MachineryIsAdded()
    {
        await using var provider = new ServiceCollection()
            .AddKubeMachinery(Server.ClientConfiguration(), new KubeMachineryOptions { FieldManager = "widget-operator", ReportingController = "test.example.io/widget-operator" })
            .BuildServiceProvider();

        var widgets = provider.GetRequiredService<EntityClientFactory>().For<Widget>();
        var created = await widgets.ApplyAsync(Widget.New(Ns, "w"));
        var configMaps = provider.GetRequiredService<EntityClientFactory>().For<k8s.Models.V1ConfigMap>();
        await configMaps.ApplyAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "c", NamespaceProperty = Ns } });
        var eventName = await provider.GetRequiredService<EventRecorder>().RecordAsync(created, EventRecorder.Normal, "Created", "Create", "hello", default);

        Assert.Equal("widget-operator", Assert.Single(created.Metadata.ManagedFields).Manager);
        Assert.NotNull(eventName);
        Assert.Same(provider.GetRequiredService<IKubernetes>(), provider.GetRequiredService<IKubernetes>());
    }
}
