using System.Net;
using System.Net.Sockets;

namespace InferenceOperator.Testing;

/// <summary>Loopback ports for servers a test starts as processes or hosts with fixed ports.</summary>
internal static class FreePorts
{
    /// <summary>A port free on 127.0.0.1 right now (the system picks it; another process could still take it first).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
