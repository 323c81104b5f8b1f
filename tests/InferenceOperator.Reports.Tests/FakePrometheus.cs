using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Reports.Tests;

/// <summary>
/// A Prometheus HTTP API stand-in on Kestrel at 127.0.0.1:0: answers GET {prefix}api/v1/query with the body the test's handler
/// returns for the query, and records every query and time parameter.
/// </summary>
internal sealed class FakePrometheus : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakePrometheus(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<(string Query, string Time)> Queries { get; } = new();

    /// <param name="answer">Query text to (HTTP status, JSON body).</param>
    /// <param name="prefix">Path prefix Prometheus is served under ("/" or "/prometheus/").</param>
    public static async Task<FakePrometheus> StartAsync(Func<string, (int Status, string Body)> answer, string prefix = "/")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakePrometheus? fake = null;
        app.MapGet(prefix + "api/v1/query", (HttpContext context) =>
        {
            var query = context.Request.Query["query"].ToString();
            fake!.Queries.Enqueue((query, context.Request.Query["time"].ToString()));
            var (status, body) = answer(query);
            return Results.Text(body, "application/json", statusCode: status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakePrometheus(app, new Uri(address.TrimEnd('/') + prefix));
        return fake;
    }

    /// <summary>A vector answer: one series per (labels, value).</summary>
    public static string Vector(params (string Namespace, string Model, string Value)[] series) =>
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + string.Join(',', series.Select(s => "{\"metric\":{\"namespace\":\"" + s.Namespace + "\",\"model\":\"" + s.Model + "\"},\"value\":[1795996800,\"" + s.Value + "\"]}"))
        + "]}}";

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
