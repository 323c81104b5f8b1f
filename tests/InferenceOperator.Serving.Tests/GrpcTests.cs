using Google.Protobuf;
using Grpc.Core;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Grpc;

namespace InferenceOperator.Serving.Tests;

/// <summary>inference.GRPCInferenceService on its own HTTP/2 port, with raw and typed tensor contents.</summary>
public sealed class GrpcTests(MiniLmServerFixture fixture) : IClassFixture<MiniLmServerFixture>
{
    private TestServer Server => fixture.Server;

    private static ModelInferRequest Request(long[] tokens, bool raw)
    {
        var request = new ModelInferRequest { ModelName = "m", Id = "g1" };
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "924" });
        foreach (var (name, values) in new[]
        {
            ("input_ids", tokens),
            ("attention_mask", tokens.Select(_ => 1L).ToArray()),
            ("token_type_ids", new long[tokens.Length]),
        })
        {
            var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "INT64" };
            input.Shape.AddRange([1, tokens.Length]);
            if (raw)
            {
                request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
            }
            else
            {
                input.Contents = new InferTensorContents();
                input.Contents.Int64Contents.AddRange(values);
            }

            request.Inputs.Add(input);
        }

        return request;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_RoundTripModelInfer_When_InputsAreRawOrTyped(bool raw)
    {
        using var channel = Server.GrpcChannel();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var tokens = MiniLmInputs.Tokens(8, seed: 21);
        var response = await client.ModelInferAsync(Request(tokens, raw));

        Assert.Equal("m", response.ModelName);
        Assert.Equal("1", response.ModelVersion);
        Assert.Equal("g1", response.Id);
        var output = Assert.Single(response.Outputs);
        Assert.Equal("924", output.Name);
        Assert.Equal("FP32", output.Datatype);
        Assert.Equal([1L, 384L], output.Shape);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray();
        Reference.AssertClose(Reference.MiniLmEmbedding(tokens), values);

        var rest = await Server.Client.InferAsync("m", MiniLmInputs.For([tokens]), new OipInferOptions { Outputs = ["924"], Binary = true });
        Assert.Equal(rest.Output("924").AsSingles(), values);
    }

    [Fact]
    public async Task Should_AnswerHealthAndMetadata_When_Asked()
    {
        using var channel = Server.GrpcChannel();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "m", Version = "1" })).Ready);

        var server = await client.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Equal("inference-server", server.Name);
        Assert.Contains("binary_tensor_data", server.Extensions);

        var model = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "m" });
        Assert.Equal("onnx_onnxv1", model.Platform);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], model.Inputs.Select(i => i.Name));
        Assert.Equal([-1L, -1L, 384L], model.Outputs[0].Shape);
    }

    [Fact]
    public async Task Should_MapErrorsToStatusCodes_When_RequestIsBad()
    {
        using var channel = Server.GrpcChannel();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.ModelReadyAsync(new ModelReadyRequest { Name = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var shortRaw = Request(MiniLmInputs.Tokens(4, 1), raw: true);
        shortRaw.RawInputContents[1] = ByteString.CopyFrom(new byte[8]);
        var bad = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(shortRaw).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("input 'attention_mask': raw_input_contents is 8 bytes", bad.Status.Detail, StringComparison.Ordinal);

        var typed = Request(MiniLmInputs.Tokens(4, 1), raw: false);
        typed.Inputs[0].Contents.Int64Contents.Add(5);
        var count = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(typed).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, count.StatusCode);
        Assert.Contains("input 'input_ids': int64_contents has 5 elements", count.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_AnswerResourceExhausted_When_QueueIsFull()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-batch-size", "64", "--max-queue-delay-ms", "3000", "--queue-capacity", "1");
        var parked = server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 1], [3])]);
        await server.WaitUntilAsync(() => server.Engine.Scheduler!.Depth == 1, "one request queued");

        using var channel = server.GrpcChannel();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new ModelInferRequest { ModelName = "m" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([1, 1]);
        input.Contents.Fp32Contents.Add(1);
        request.Inputs.Add(input);
        var full = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.True((await parked).IsSuccess);
    }

    [Fact]
    public async Task Should_AnswerResourceExhaustedAndStayServing_When_AMessageIsOverTheBodyLimit()
    {
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--max-request-body-bytes", "4096");
        using var channel = server.GrpcChannel();
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        ModelInferRequest Request(int elements)
        {
            var request = new ModelInferRequest { ModelName = "m" };
            var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
            input.Shape.AddRange([1, elements]);
            request.Inputs.Add(input);
            request.RawInputContents.Add(ByteString.CopyFrom(new byte[elements * 4]));
            return request;
        }

        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(Request(2048)).ResponseAsync);
        var small = await client.ModelInferAsync(Request(4));

        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);
        Assert.Equal([1L, 4L], small.Outputs[0].Shape);
    }
}
