using k8s;

namespace InferenceOperator.Kube;

/// <summary>
/// Builds the KubernetesClient the machinery needs. <see cref="EntityClient{T}"/> goes through the generic
/// custom-object operations, which address "/apis/{group}/{version}"; for the core group (empty group) that path
/// must be "/api/{version}", which <see cref="CoreGroupPathHandler"/> rewrites.
/// </summary>
public static class KubernetesClientFactory
{
    public static Kubernetes Create(KubernetesClientConfiguration configuration) => new(configuration, new CoreGroupPathHandler());
}

/// <summary>Rewrites "/apis//v1/..." (generic operations with the empty core group) to "/api/v1/...".</summary>
public sealed class CoreGroupPathHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { } uri && uri.AbsolutePath.Contains("/apis//", StringComparison.Ordinal))
        {
            var builder = new UriBuilder(uri) { Path = uri.AbsolutePath.Replace("/apis//", "/api/", StringComparison.Ordinal) };
            request.RequestUri = builder.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
