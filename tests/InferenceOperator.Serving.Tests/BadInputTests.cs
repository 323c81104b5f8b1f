using System.Text;
using System.Text.Json;
using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

/// <summary>Every malformed request is a 4xx naming the input and field; none disturbs valid requests batched beside it.</summary>
public sealed class BadInputTests
{
    private sealed record BadRequest(string Name, string Path, byte[] Body, int Status, string Expected, Dictionary<string, string> Headers);

    private static string Inputs(string ids = "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,4],\"data\":[101,7592,2088,102]}",
        string mask = "{\"name\":\"attention_mask\",\"datatype\":\"INT64\",\"shape\":[1,4],\"data\":[1,1,1,1]}",
        string types = "{\"name\":\"token_type_ids\",\"datatype\":\"INT64\",\"shape\":[1,4],\"data\":[0,0,0,0]}",
        string extra = "") =>
        $"{{\"inputs\":[{string.Join(",", new[] { ids, mask, types, extra }.Where(s => s.Length > 0))}]}}";

    private static string Ids(string datatype = "INT64", string shape = "[1,4]", string data = "[101,7592,2088,102]") =>
        $"{{\"name\":\"input_ids\",\"datatype\":\"{datatype}\",\"shape\":{shape},\"data\":{data}}}";

    private static IEnumerable<BadRequest> Cases(int limit)
    {
        BadRequest Json(string name, string body, int status, string expected, string path = "v2/models/m/infer", Dictionary<string, string>? headers = null) =>
            new(name, path, Encoding.UTF8.GetBytes(body), status, expected, headers ?? []);

        yield return Json("malformed JSON", "{\"inputs\":[", 400, "malformed JSON");
        yield return Json("not an object", "[1,2,3]", 400, "JSON object");
        yield return Json("no inputs", "{}", 400, "field 'inputs'");
        yield return Json("trailing content", Inputs() + "}", 400, "malformed JSON");
        yield return Json("unknown model", Inputs(), 404, "model 'nope'", "v2/models/nope/infer");
        yield return Json("unknown version", Inputs(), 404, "version '9'", "v2/models/m/versions/9/infer");
        yield return Json("missing input", Inputs(mask: ""), 400, "input 'attention_mask' is missing");
        yield return Json("extra input", Inputs(extra: "{\"name\":\"pixels\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}"), 400, "input 'pixels' is not an input");
        yield return Json("duplicate input", Inputs(extra: Ids()), 400, "input 'input_ids' appears more than once");
        yield return Json("wrong datatype", Inputs(ids: Ids(datatype: "INT32")), 400, "input 'input_ids': field 'datatype' is INT32");
        yield return Json("unknown datatype", Inputs(ids: Ids(datatype: "INT65")), 400, "input 'input_ids': field 'datatype' 'INT65'");
        yield return Json("BYTES to numeric input", Inputs(ids: Ids(datatype: "BYTES", data: "[\"a\",\"b\",\"c\",\"d\"]")), 400, "input 'input_ids': field 'datatype' is BYTES");
        yield return Json("string element to INT64", Inputs(ids: Ids(data: "[101,\"x\",2088,102]")), 400, "input 'input_ids': field 'data' element 1");
        yield return Json("float element to INT64", Inputs(ids: Ids(data: "[101,1.5,2088,102]")), 400, "input 'input_ids': field 'data' element 1");
        yield return Json("NaN to INT64", Inputs(ids: Ids(data: "[101,\"NaN\",2088,102]")), 400, "input 'input_ids': field 'data' element 1");
        yield return Json("huge number to INT64", Inputs(ids: Ids(data: "[101,1e400,2088,102]")), 400, "input 'input_ids': field 'data' element 1");
        yield return Json("zero dimension", Inputs(ids: Ids(shape: "[1,0]", data: "[]")), 400, "input 'input_ids': field 'shape' [1,0] has dimension 1 = 0");
        yield return Json("negative dimension", Inputs(ids: Ids(shape: "[-1,4]")), 400, "input 'input_ids': field 'shape' [-1,4] has dimension 0 = -1");
        yield return Json("too few elements", Inputs(ids: Ids(data: "[101,7592,102]")), 400, "input 'input_ids': field 'data' has 3 elements");
        yield return Json("too many elements", Inputs(ids: Ids(data: "[101,7592,2088,2088,102]")), 400, "input 'input_ids': field 'data' has more than the 4 elements");
        yield return Json("nested rows of wrong length", Inputs(ids: Ids(data: "[[101,7592],[2088,102]]")), 400, "input 'input_ids': field 'data' has an array of 2 elements");
        yield return Json("nested too deep", Inputs(ids: Ids(data: "[[[101,7592,2088,102]]]")), 400, "input 'input_ids': field 'data' is nested deeper");
        yield return Json("nested mixed with values", Inputs(ids: Ids(data: "[101,[7592],2088,102]")), 400, "input 'input_ids': field 'data' mixes nested arrays");
        yield return Json("rank mismatch", Inputs(ids: Ids(shape: "[4]")), 400, "input 'input_ids': field 'shape' [4] has 1 dimensions");
        yield return Json("batch disagreement", Inputs(mask: "{\"name\":\"attention_mask\",\"datatype\":\"INT64\",\"shape\":[2,2],\"data\":[1,1,1,1]}"), 400, "input 'attention_mask': field 'shape' has batch dimension 2");
        yield return Json("data not an array", Inputs(ids: Ids(data: "42")), 400, "input 'input_ids': field 'data' must be an array");
        yield return Json("data missing", Inputs(ids: "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,4]}"), 400, "input 'input_ids': field 'data' is missing");
        yield return Json("shape missing", Inputs(ids: "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"data\":[1,2,3,4]}"), 400, "input 'input_ids': field 'shape' is missing");
        yield return Json("name missing", Inputs(ids: "{\"datatype\":\"INT64\",\"shape\":[1,4],\"data\":[1,2,3,4]}"), 400, "inputs[0]: field 'name' is missing");
        yield return Json("id not a string", "{\"id\":5," + Inputs()[1..], 400, "field 'id'");
        yield return Json("unknown output", Inputs()[..^1] + ",\"outputs\":[{\"name\":\"logits\"}]}", 400, "output 'logits'");
        // Valid against the signature, but the model cannot run on them: ONNX Runtime's reason, as a 400 for this request only.
        yield return Json("token id outside the vocabulary", Inputs(ids: Ids(data: "[101,999999,2088,102]")), 400, "idx=999999");
        static string Row(string value) => "[" + string.Join(",", Enumerable.Repeat(value, 600)) + "]";
        yield return Json("sequence longer than the model's positions", Inputs(
            ids: Ids(shape: "[1,600]", data: Row("7592")),
            mask: "{\"name\":\"attention_mask\",\"datatype\":\"INT64\",\"shape\":[1,600],\"data\":" + Row("1") + "}",
            types: "{\"name\":\"token_type_ids\",\"datatype\":\"INT64\",\"shape\":[1,600],\"data\":" + Row("0") + "}"), 400, "512 by 600");
        yield return Json("bad timeout header", Inputs(), 400, "Inference-Timeout-Ms", headers: new() { ["Inference-Timeout-Ms"] = "soon" });

        var header = Encoding.UTF8.GetBytes(Inputs(ids: "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,4],\"parameters\":{\"binary_data_size\":32}}"));
        var tail = new byte[32];
        BadRequest Binary(string name, byte[] json, byte[] binary, string headerLength, string expected) =>
            new(name, "v2/models/m/infer", [.. json, .. binary], 400, expected, new() { ["Inference-Header-Content-Length"] = headerLength });
        yield return Binary("binary shorter than declared", header, tail[..20], header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "input 'input_ids': parameters.binary_data_size is 32 but only 20 bytes");
        yield return Binary("binary longer than declared", header, [.. tail, .. new byte[8]], header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "8 bytes of binary data follow");
        var wrongSize = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(header).Replace("32", "24", StringComparison.Ordinal));
        yield return Binary("binary size not matching shape", wrongSize, tail[..24], wrongSize.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "input 'input_ids': parameters.binary_data_size / binary data is 24 bytes but shape [1,4] of INT64 needs 4 x 8 = 32 bytes");
        yield return Binary("header length beyond body", header, tail, "999999", "Inference-Header-Content-Length");
        yield return Binary("header length not a number", header, tail, "abc", "Inference-Header-Content-Length");
        yield return Json("body over the limit", Inputs(ids: Ids(data: "[" + string.Join(",", Enumerable.Repeat("101", limit / 4)) + "]")), 413, "larger than the limit");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_Answer4xxNamingTheField_When_InputIsBad_WhileValidRequestsAreBatched(bool decodeBodiesOfAnySizeInBackground)
    {
        const int limit = 64 * 1024;
        await using var server = await TestServer.StartAsync(TestServer.MiniLmPath, "--max-batch-size", "8", "--max-queue-delay-ms", "20", "--max-request-body-bytes", limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // With a minimum of 0, every body that arrives while valid requests are queued or running goes to the decoder threads.
            "--background-decode-min-bytes", decodeBodiesOfAnySizeInBackground ? "0" : "65536");
        var cases = Cases(limit).ToArray();
        var bad = Enumerable.Range(0, 2).SelectMany(_ => cases).ToArray();
        Assert.True(bad.Length >= 50, $"only {bad.Length} bad requests");

        var valid = Enumerable.Range(0, 32).Select(i => MiniLmInputs.Tokens(4 + (i % 3), seed: 500 + i)).ToArray();
        var validTasks = valid.Select(async (tokens, i) =>
        {
            await Task.Yield();
            return await server.Client.InferAsync("m", MiniLmInputs.For([tokens]), new OipInferOptions { Outputs = ["924"], Id = "valid-" + i });
        }).ToArray();
        var badTasks = bad.Select(async c =>
        {
            await Task.Yield();
            using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = new ByteArrayContent(c.Body) };
            request.Content.Headers.ContentType = new("application/json");
            foreach (var (key, value) in c.Headers)
            {
                request.Headers.TryAddWithoutValidation(key, value);
            }

            using var response = await server.Http.SendAsync(request);
            return (Case: c, Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToArray();

        var badResults = await Task.WhenAll(badTasks);
        var validResults = await Task.WhenAll(validTasks);

        foreach (var (c, status, body) in badResults)
        {
            Assert.True(status == c.Status, $"{c.Name}: expected {c.Status}, got {status}: {body}");
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("error").GetString()!;
            Assert.True(error.Contains(c.Expected, StringComparison.Ordinal), $"{c.Name}: error '{error}' does not contain '{c.Expected}'");
        }

        for (var i = 0; i < valid.Length; i++)
        {
            Assert.True(validResults[i].IsSuccess, validResults[i].Error);
            Assert.Equal("valid-" + i, validResults[i].Id);
            Reference.AssertClose(Reference.MiniLmEmbedding(valid[i]), validResults[i].Output("924").AsSingles());
        }

        var metrics = await server.MetricsAsync();
        Assert.DoesNotContain("code=\"5", metrics, StringComparison.Ordinal);
        Assert.True(server.Engine.IsReady);
        var (readyStatus, _) = await server.GetJsonAsync("v2/health/ready");
        Assert.Equal(200, readyStatus);
    }

    [Theory]
    [InlineData("[1,\"NaN\",3,4]", "element 1")]
    [InlineData("[1,2,\"-Infinity\",4]", "element 2")]
    [InlineData("[1,2,3,1e39]", "element 3")]
    public async Task Should_RejectNonFiniteFloats_When_NotAllowed(string data, string element)
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        await using var server = await TestServer.StartAsync(model);
        var (status, body, _) = await server.PostJsonAsync("v2/models/m/infer",
            $"{{\"inputs\":[{{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":{data}}}]}}");
        Assert.Equal(400, status);
        Assert.Contains("input 'x': field 'data' " + element, body.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The same values as raw binary data are checked too.
        var raw = OipTensor.FromSingle("x", [1, 4], [1, float.NaN, 3, 4]);
        var result = await server.Client.InferAsync("m", [raw], new OipInferOptions { Binary = true });
        Assert.Equal(400, result.StatusCode);
        Assert.Contains("input 'x': field 'data' element 1 is NaN or infinite", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_AcceptNonFiniteFloats_When_Allowed()
    {
        var model = TinyOnnx.FixedDouble(TestServer.TempDirectory);
        await using var server = await TestServer.StartAsync(model, "--AllowNonFinite=true");
        var (status, body, _) = await server.PostJsonAsync("v2/models/m/infer",
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,\"NaN\",\"Infinity\",4]}]}");
        Assert.Equal(200, status);
        var data = body.GetProperty("outputs")[0].GetProperty("data");
        Assert.Equal(2, data[0].GetDouble());
        Assert.Equal("NaN", data[1].GetString());
        Assert.Equal("Infinity", data[2].GetString());
    }
}
