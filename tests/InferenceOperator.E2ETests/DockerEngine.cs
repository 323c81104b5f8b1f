using System.Net.Sockets;

namespace InferenceOperator.E2ETests;

/// <summary>Whether a Docker engine answers, and if not, why: the E2E tests report themselves skipped with that reason.</summary>
internal static class DockerEngine
{
    private const string Socket = "/var/run/docker.sock";

    public static async Task<string?> UnavailableReasonAsync()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            // A remote engine (tcp://…): let Testcontainers reach it and fail loudly if it cannot.
            return null;
        }

        var path = string.IsNullOrEmpty(host) ? Socket : host["unix://".Length..];
        if (!File.Exists(path))
        {
            return $"no Docker engine: {path} does not exist and DOCKER_HOST names no remote engine";
        }

        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var ping = await http.GetAsync(new Uri("http://docker/_ping"));
            return ping.IsSuccessStatusCode ? null : $"the Docker engine at {path} answered /_ping with {(int)ping.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
        {
            return $"no Docker engine answers at {path}: {e.Message}";
        }
    }
}
