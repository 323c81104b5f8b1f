using System.Globalization;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceOperator.Serving.Tests;

/// <summary>A real server on 127.0.0.1 with ephemeral ports, started in-process over Kestrel.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private bool stopped;

    private TestServer(WebApplication app)
    {
        this.app = app;
        var endpoints = app.Services.GetRequiredService<ServerEndpoints>();
        HttpBase = new Uri($"http://127.0.0.1:{endpoints.HttpPort}/");
        GrpcBase = new Uri($"http://127.0.0.1:{endpoints.GrpcPort}/");
        Http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        Client = new OipClient(HttpBase);
    }

    public Uri HttpBase { get; }

    public Uri GrpcBase { get; }

    public HttpClient Http { get; }

    public OipClient Client { get; }

    public InferenceEngine Engine => app.Services.GetRequiredService<InferenceEngine>();

    public IServiceProvider Services => app.Services;

    public static string MiniLmPath => new SampleModelCatalog().MiniLm().ModelPath;

    public static string TempDirectory { get; } = Path.Combine(Path.GetTempPath(), "inference-serving-tests-" + Environment.ProcessId);

    /// <summary>Starts a server for <paramref name="modelPath"/>; <paramref name="args"/> are extra command-line settings.</summary>
    public static async Task<TestServer> StartAsync(string modelPath, params string[] args)
    {
        string[] all = ["--model", modelPath, "--model-name", "m", "--listen", "127.0.0.1", "--http-port", "0", "--grpc-port", "0", "--Logging:LogLevel:Default=Warning", .. args];
        var app = ServingHost.Build(all);
        await app.StartAsync();
        var server = new TestServer(app);
        await server.Engine.WhenLoaded;
        return server;
    }

    public Task StopAsync()
    {
        stopped = true;
        return app.StopAsync();
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostJsonAsync(string path, string json, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(key, value);
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    public async Task<(int Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("metrics");

    /// <summary>Value of one metric series in the Prometheus text output, or null.</summary>
    public static double? MetricValue(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public GrpcChannel GrpcChannel() => global::Grpc.Net.Client.GrpcChannel.ForAddress(GrpcBase);

    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        // Polls a condition on server state (not a timing assertion): fails only if it never becomes true.
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), what);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        if (!stopped)
        {
            await app.StopAsync();
        }

        await app.DisposeAsync();
    }
}

/// <summary>MiniLM inputs for a token sequence; every request is distinguishable by its tokens.</summary>
internal static class MiniLmInputs
{
    public static OipTensor[] For(long[][] rows)
    {
        var batch = rows.Length;
        var length = rows[0].Length;
        long[] shape = [batch, length];
        var ids = rows.SelectMany(r => r).ToArray();
        return
        [
            OipTensor.FromInt64("input_ids", shape, ids),
            OipTensor.FromInt64("attention_mask", shape, Enumerable.Repeat(1L, ids.Length).ToArray()),
            OipTensor.FromInt64("token_type_ids", shape, new long[ids.Length]),
        ];
    }

    /// <summary>A sequence [CLS] t... [SEP] of the given length, varying with seed.</summary>
    public static long[] Tokens(int length, int seed)
    {
        var tokens = new long[length];
        tokens[0] = 101;
        tokens[^1] = 102;
        for (var i = 1; i < length - 1; i++)
        {
            tokens[i] = 1000 + (((seed * 7919) + (i * 104729)) % 20000);
        }

        return tokens;
    }

    public static string Json(long[] tokens, string? id = null)
    {
        var ids = string.Join(",", tokens);
        var ones = string.Join(",", tokens.Select(_ => 1));
        var zeros = string.Join(",", tokens.Select(_ => 0));
        var shape = $"[1,{tokens.Length}]";
        return $$"""
            {{{(id is null ? "" : $"\"id\":\"{id}\",")}}"inputs":[
              {"name":"input_ids","datatype":"INT64","shape":{{shape}},"data":[{{ids}}]},
              {"name":"attention_mask","datatype":"INT64","shape":{{shape}},"data":[{{ones}}]},
              {"name":"token_type_ids","datatype":"INT64","shape":{{shape}},"data":[{{zeros}}]}],
             "outputs":[{"name":"924"}]}
            """;
    }
}
