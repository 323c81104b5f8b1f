using System.Buffers;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Serving.Bench;

/// <summary>
/// What HTTP alone costs a request at concurrency 1: an endpoint at the server's infer path, on Kestrel with the
/// server's receive blocks, that reads the body into a pooled buffer and answers with as many bytes as the server does,
/// running no model, or only the in-process runner's own run. Measured in the same alternating pairs as the server, it is the part of the added latency that HTTP
/// takes on this machine, with this client and these Kestrel settings, before the server does any work of its own.
/// </summary>
internal sealed class TransportFloor : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Reply reply;

    private TransportFloor(WebApplication app, Reply reply, Uri url)
    {
        this.app = app;
        this.reply = reply;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<TransportFloor> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        var app = builder.Build();
        var reply = new Reply();
        app.MapPost("/v2/models/{model}/infer", async (HttpContext context) =>
        {
            var length = (int)(context.Request.ContentLength ?? 0);
            var body = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
            try
            {
                await context.Request.Body.ReadExactlyAsync(body.AsMemory(0, length), context.RequestAborted);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }

            reply.Run?.Invoke();
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = reply.Bytes.Length;
            await context.Response.Body.WriteAsync(reply.Bytes, context.RequestAborted);
        });
        await app.StartAsync();
        return new TransportFloor(app, reply, new Uri(app.Urls.First() + "/"));
    }

    /// <summary>
    /// Median latency this endpoint adds for <paramref name="request"/>'s body and a <paramref name="responseBytes"/>
    /// answer, paired with in-process runs as the server's requests are (<see cref="AlternatingPairs"/>). With
    /// <paramref name="modelRun"/> the endpoint runs the in-process batch-1 run between reading the body and answering,
    /// on its request thread as the server's idle path does, and the paired in-process run is subtracted: what HTTP costs
    /// around a model run (the client and the answer wake after the run, not straight after the request). Without it
    /// nothing runs and the request's whole time is added latency.
    /// </summary>
    public async Task<double> PairedAsync(InProcessRunner runner, OipEncodedRequest request, int responseBytes, TimeSpan duration, bool modelRun)
    {
        reply.Bytes = new byte[responseBytes];
        reply.Run = modelRun ? () => runner.Measure(1, TimeSpan.Zero, minRuns: 1) : null;
        var pairs = await AlternatingPairs.RunAsync(runner, Url, request, duration, () => Task.FromResult(0));
        return ServingComparison.Median(pairs.Select(p => modelRun ? p.RequestMs - p.InProcessMs : p.RequestMs));
    }

    /// <summary>The answer's bytes and the work before it, set before each measurement (one measurement at a time).</summary>
    private sealed class Reply
    {
        public byte[] Bytes { get; set; } = [];

        public Action? Run { get; set; }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
