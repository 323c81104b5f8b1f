using InferenceOperator.TestApiServer;
using k8s;
using Xunit;

namespace InferenceOperator.Kube.Tests;

/// <summary>Starts a test API server per test, with the Widget resource registered and one namespace to use.</summary>
public abstract class ServerTest : IAsyncLifetime
{
    protected const string Ns = "test-ns";

    protected TestApiServer.TestApiServer Server { get; private set; } = null!;

    protected Kubernetes Client { get; private set; } = null!;

    protected virtual TestApiServerOptions ServerOptions => new();

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.TestApiServer.StartAsync(ServerOptions);
        Server.RegisterCustomResource<Widget>();
        Client = KubernetesClientFactory.Create(Server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    protected EntityClient<T> EntityClient<T>(string manager = "test-operator")
        where T : class, IKubernetesObject<k8s.Models.V1ObjectMeta> => new(Client, manager);
}
