using System.Text.Json;
using InferenceOperator.Serving.Client;

namespace InferenceOperator.Serving.Tests;

/// <summary>Every OIP datatype, including FP16 and BYTES, through JSON and the binary extension (identity model).</summary>
public sealed class DatatypeTests
{
    private static readonly Dictionary<string, string> JsonValues = new()
    {
        ["BOOL"] = "[true,false,true]",
        ["UINT8"] = "[0,7,255]",
        ["UINT16"] = "[0,7,65535]",
        ["UINT32"] = "[0,7,4294967295]",
        ["UINT64"] = "[0,7,18446744073709551615]",
        ["INT8"] = "[-128,7,127]",
        ["INT16"] = "[-32768,7,32767]",
        ["INT32"] = "[-2147483648,7,2147483647]",
        ["INT64"] = "[-9223372036854775808,7,9223372036854775807]",
        ["FP16"] = "[0.5,-2,65504]",
        ["FP32"] = "[0.25,-1.5,3.4028235E+38]",
        ["FP64"] = "[0.1,-1E-300,1.7976931348623157E+308]",
        ["BYTES"] = "[\"a\",\"héllo\",\"\"]",
    };

    [Fact]
    public async Task Should_RoundTripEveryDatatype_When_SentAsJson()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.IdentityAllTypes(TestServer.TempDirectory));
        var inputs = string.Join(",", TinyOnnx.AllTypes.Select(t =>
            $"{{\"name\":\"in_{t.Datatype}\",\"datatype\":\"{t.Datatype}\",\"shape\":[1,3],\"data\":{JsonValues[t.Datatype]}}}"));
        var (status, body, _) = await server.PostJsonAsync("v2/models/m/infer", $"{{\"inputs\":[{inputs}]}}");
        Assert.True(status == 200, body.ToString());
        foreach (var output in body.GetProperty("outputs").EnumerateArray())
        {
            var datatype = output.GetProperty("datatype").GetString()!;
            Assert.Equal("out_" + datatype, output.GetProperty("name").GetString());
            Assert.Equal(
                JsonSerializer.Deserialize<JsonElement>(JsonValues[datatype]).EnumerateArray().Select(Normalise),
                output.GetProperty("data").EnumerateArray().Select(Normalise));
        }
    }

    private static string Normalise(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture) : e.ToString();

    [Theory]
    [InlineData("INT8", "[128,0,0]", "element 0 (128) = 128 is outside the range of INT8")]
    [InlineData("UINT8", "[-1,0,0]", "element 0 (-1) = -1 is outside the range of UINT8")]
    [InlineData("UINT64", "[-1,0,0]", "element 0 (-1) is not an integer in the range of UINT64")]
    [InlineData("FP16", "[70000,0,0]", "element 0 (70000) is outside the range of FP16")]
    [InlineData("BOOL", "[1,0,1]", "element 0 (1) is not true or false")]
    [InlineData("BYTES", "[1,2,3]", "element 0 (1) is not a string")]
    public async Task Should_RejectOutOfRangeValues_When_DatatypeCannotHoldThem(string datatype, string data, string expected)
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.IdentityAllTypes(TestServer.TempDirectory));
        var inputs = string.Join(",", TinyOnnx.AllTypes.Select(t =>
            $"{{\"name\":\"in_{t.Datatype}\",\"datatype\":\"{t.Datatype}\",\"shape\":[1,3],\"data\":{(t.Datatype == datatype ? data : JsonValues[t.Datatype])}}}"));
        var (status, body, _) = await server.PostJsonAsync("v2/models/m/infer", $"{{\"inputs\":[{inputs}]}}");
        Assert.Equal(400, status);
        Assert.Contains($"input 'in_{datatype}': field 'data' {expected}", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_RoundTripEveryDatatype_When_SentAsBinaryAndBatched()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.IdentityAllTypes(TestServer.TempDirectory), "--max-batch-size", "8", "--max-queue-delay-ms", "50");
        var random = new Random(7);
        OipTensor[] Inputs(int rows) => TinyOnnx.AllTypes.Select(t =>
        {
            long[] shape = [rows, 3];
            if (t.Datatype == "BYTES")
            {
                return OipTensor.FromStrings("in_BYTES", shape, Enumerable.Range(0, rows * 3).Select(i => $"s{random.Next()}-{i}"));
            }

            var size = t.Datatype switch { "BOOL" or "UINT8" or "INT8" => 1, "UINT16" or "INT16" or "FP16" => 2, "UINT32" or "INT32" or "FP32" => 4, _ => 8 };
            var data = new byte[rows * 3 * size];
            random.NextBytes(data);
            if (t.Datatype == "BOOL")
            {
                data = data.Select(b => (byte)(b & 1)).ToArray();
            }
            else if (t.Datatype.StartsWith("FP", StringComparison.Ordinal))
            {
                data = t.Datatype switch
                {
                    "FP16" => Enumerable.Range(0, rows * 3).SelectMany(i => BitConverter.GetBytes((Half)(random.NextSingle() - 0.5f))).ToArray(),
                    "FP32" => Enumerable.Range(0, rows * 3).SelectMany(i => BitConverter.GetBytes(random.NextSingle())).ToArray(),
                    _ => Enumerable.Range(0, rows * 3).SelectMany(i => BitConverter.GetBytes(random.NextDouble())).ToArray(),
                };
            }

            return new OipTensor("in_" + t.Datatype, t.Datatype, shape, data);
        }).ToArray();

        var requests = Enumerable.Range(0, 10).Select(i => Inputs(1 + (i % 3))).ToArray();
        var results = await Task.WhenAll(requests.Select(r => server.Client.InferAsync("m", r, new OipInferOptions { Binary = true })));
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.True(results[i].IsSuccess, results[i].Error);
            foreach (var input in requests[i])
            {
                var output = results[i].Output("out_" + input.Datatype);
                Assert.Equal(input.Datatype, output.Datatype);
                Assert.Equal(input.Shape, output.Shape);
                if (input.Strings is not null)
                {
                    Assert.Equal(input.Strings.Select(s => Convert.ToHexString(s)), output.Strings!.Select(s => Convert.ToHexString(s)));
                }
                else
                {
                    Assert.Equal(input.Data, output.Data);
                }
            }
        }
    }
}
