using System.Globalization;
using System.Text;
using System.Text.Json;
using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

public sealed class MiniLmServerFixture : IAsyncLifetime
{
    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(TestServer.MiniLmPath, "--max-batch-size", "8", "--max-queue-delay-ms", "2");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The REST API's exact Open Inference Protocol shapes, on the real MiniLM model.</summary>
public sealed class ProtocolTests(MiniLmServerFixture fixture) : IClassFixture<MiniLmServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Should_AnswerHealthAndServerMetadata_When_Ready()
    {
        var (liveStatus, live) = await Server.GetJsonAsync("v2/health/live");
        Assert.Equal(200, liveStatus);
        Assert.True(live.GetProperty("live").GetBoolean());

        var (readyStatus, ready) = await Server.GetJsonAsync("v2/health/ready");
        Assert.Equal(200, readyStatus);
        Assert.True(ready.GetProperty("ready").GetBoolean());

        var (status, server) = await Server.GetJsonAsync("v2");
        Assert.Equal(200, status);
        Assert.Equal("inference-server", server.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(server.GetProperty("version").GetString()));
        Assert.Contains("binary_tensor_data", server.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("v2/models/m")]
    [InlineData("v2/models/m/versions/1")]
    public async Task Should_DescribeModel_When_MetadataRequested(string path)
    {
        var (status, body) = await Server.GetJsonAsync(path);
        Assert.Equal(200, status);
        Assert.Equal("m", body.GetProperty("name").GetString());
        Assert.Equal(["1"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("onnx_onnxv1", body.GetProperty("platform").GetString());
        var inputs = body.GetProperty("inputs").EnumerateArray().ToArray();
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], inputs.Select(i => i.GetProperty("name").GetString()));
        Assert.All(inputs, i => Assert.Equal("INT64", i.GetProperty("datatype").GetString()));
        Assert.All(inputs, i => Assert.Equal([-1L, -1L], i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())));
        var outputs = body.GetProperty("outputs").EnumerateArray().ToArray();
        Assert.Equal(["last_hidden_state", "924"], outputs.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal([-1L, -1L, 384L], outputs[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
    }

    [Theory]
    [InlineData("v2/models/m/ready", 200)]
    [InlineData("v2/models/m/versions/1/ready", 200)]
    [InlineData("v2/models/other/ready", 404)]
    [InlineData("v2/models/m/versions/2/ready", 404)]
    [InlineData("v2/models/other", 404)]
    [InlineData("v2/models/m/versions/7", 404)]
    public async Task Should_AnswerModelReadyOr404_When_ModelOrVersionIsUnknown(string path, int expected)
    {
        var (status, body) = await Server.GetJsonAsync(path);
        Assert.Equal(expected, status);
        if (expected == 200)
        {
            Assert.Equal("m", body.GetProperty("name").GetString());
            Assert.True(body.GetProperty("ready").GetBoolean());
        }
        else
        {
            var error = body.GetProperty("error").GetString()!;
            var asked = path.Contains("other", StringComparison.Ordinal) ? "'other'" : "'" + path.Split('/')[4] + "'";
            Assert.Contains(asked, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("v2/models/m/infer")]
    [InlineData("v2/models/m/versions/1/infer")]
    public async Task Should_EchoIdAndReturnSelectedOutput_When_Inferring(string path)
    {
        var tokens = MiniLmInputs.Tokens(7, seed: 3);
        var (status, body, _) = await Server.PostJsonAsync(path, MiniLmInputs.Json(tokens, id: "req-42"));
        Assert.Equal(200, status);
        Assert.Equal("m", body.GetProperty("model_name").GetString());
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        Assert.Equal("req-42", body.GetProperty("id").GetString());
        var output = Assert.Single(body.GetProperty("outputs").EnumerateArray());
        Assert.Equal("924", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([1L, 384L], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        var data = output.GetProperty("data").EnumerateArray().Select(d => d.GetSingle()).ToArray();
        Reference.AssertClose(Reference.MiniLmEmbedding(tokens), data);
    }

    [Fact]
    public async Task Should_ReturnAllOutputsInModelOrder_When_NoOutputsRequested()
    {
        var tokens = MiniLmInputs.Tokens(5, seed: 11);
        var result = await Server.Client.InferAsync("m", MiniLmInputs.For([tokens]));
        Assert.True(result.IsSuccess, result.Error);
        Assert.Null(result.Id);
        Assert.Equal(["last_hidden_state", "924"], result.Outputs.Select(o => o.Name));
        Assert.Equal([1L, 5L, 384L], result.Outputs[0].Shape);
    }

    [Fact]
    public async Task Should_AcceptNestedData_When_ItMatchesTheShape()
    {
        var tokens = MiniLmInputs.Tokens(4, seed: 5);
        var nested = $"[[{string.Join(",", tokens)}]]";
        var json = $$"""
            {"inputs":[
              {"name":"input_ids","datatype":"INT64","shape":[1,4],"data":{{nested}}},
              {"name":"attention_mask","datatype":"INT64","shape":[1,4],"data":[[1,1,1,1]]},
              {"name":"token_type_ids","datatype":"INT64","shape":[1,4],"data":[0,0,0,0]}],
             "outputs":[{"name":"924"}]}
            """;
        var (status, body, _) = await Server.PostJsonAsync("v2/models/m/infer", json);
        Assert.Equal(200, status);
        var data = body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(d => d.GetSingle()).ToArray();
        Reference.AssertClose(Reference.MiniLmEmbedding(tokens), data);
    }

    [Fact]
    public async Task Should_RoundTripBinaryTensorData_When_HeaderLengthGiven()
    {
        var tokens = MiniLmInputs.Tokens(9, seed: 8);
        var encoded = OipClient.Encode(MiniLmInputs.For([tokens]), new OipInferOptions { Binary = true, Outputs = ["924"], Id = "bin" });
        using var response = await Server.Client.SendRawAsync("m", encoded);
        Assert.Equal(200, (int)response.StatusCode);
        var headerLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        var body = await response.Content.ReadAsByteArrayAsync();
        using var header = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var output = header.RootElement.GetProperty("outputs")[0];
        Assert.Equal(384 * 4, output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.False(output.TryGetProperty("data", out _));
        Assert.Equal(headerLength + (384 * 4), body.Length);
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(body.AsSpan(headerLength)).ToArray();
        Reference.AssertClose(Reference.MiniLmEmbedding(tokens), floats);

        var decoded = await Server.Client.SendAsync("m", encoded);
        Assert.Equal("bin", decoded.Id);
        Reference.AssertClose(floats, decoded.Output("924").AsSingles(), 0);
    }

    [Fact]
    public async Task Should_MixJsonAndBinaryOutputs_When_OnlySomeAreBinary()
    {
        var tokens = MiniLmInputs.Tokens(6, seed: 2);
        var json = MiniLmInputs.Json(tokens).Replace("\"outputs\":[{\"name\":\"924\"}]", "\"outputs\":[{\"name\":\"924\",\"parameters\":{\"binary_data\":true}},{\"name\":\"last_hidden_state\"}]", StringComparison.Ordinal);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Server.Http.PostAsync("v2/models/m/infer", content);
        Assert.Equal(200, (int)response.StatusCode);
        var headerLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        var body = await response.Content.ReadAsByteArrayAsync();
        using var header = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var outputs = header.RootElement.GetProperty("outputs");
        Assert.Equal("924", outputs[0].GetProperty("name").GetString());
        Assert.Equal(6 * 384, outputs[1].GetProperty("data").GetArrayLength());
        Assert.Equal(headerLength + (384 * 4), body.Length);
    }

    [Fact]
    public async Task Should_ExposeEveryDocumentedMetric_When_Scraped()
    {
        var result = await Server.Client.InferAsync("m", MiniLmInputs.For([MiniLmInputs.Tokens(4, 1)]), new OipInferOptions { Outputs = ["924"] });
        Assert.True(result.IsSuccess, result.Error);
        var metrics = await Server.MetricsAsync();
        foreach (var name in new[]
        {
            "inference_requests_total", "inference_request_duration_seconds", "inference_queue_duration_seconds",
            "inference_compute_duration_seconds", "inference_batch_size", "inference_queue_depth", "inference_inflight_requests",
            "inference_cache_hits_total", "inference_cache_misses_total", "inference_busy_ratio", "inference_energy_joules_total",
        })
        {
            Assert.Contains("# TYPE " + name + " ", metrics, StringComparison.Ordinal);
        }

        Assert.True(TestServer.MetricValue(metrics, "inference_requests_total{model=\"m\",code=\"200\"}") >= 1);
        Assert.True(TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}") >= 1);
        Assert.Contains("inference_model_info{model=\"m\",version=\"1\",precision=\"fp32\",execution_provider=\"CPU\"} 1", metrics, StringComparison.Ordinal);
    }
}
