using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;
using Microsoft.Extensions.Time.Testing;

namespace InferenceOperator.Serving.Tests;

/// <summary>The response cache: keyed by model, version, inputs and requested outputs; bounded by bytes; TTL.</summary>
public sealed class CacheTests
{
    [Fact]
    public async Task Should_AnswerFromCacheWithoutQueueing_When_SameRequestRepeats()
    {
        await using var server = await TestServer.StartAsync(TestServer.MiniLmPath, "--cache", "true", "--max-queue-delay-ms", "0");
        var tokens = MiniLmInputs.Tokens(6, seed: 77);
        var options = new OipInferOptions { Outputs = ["924"] };
        var first = await server.Client.InferAsync("m", MiniLmInputs.For([tokens]), options);
        var second = await server.Client.InferAsync("m", MiniLmInputs.For([tokens]), options with { Id = "again" });
        var otherOutputs = await server.Client.InferAsync("m", MiniLmInputs.For([tokens]));
        var otherTokens = await server.Client.InferAsync("m", MiniLmInputs.For([MiniLmInputs.Tokens(6, seed: 78)]), options);

        Assert.True(first.IsSuccess && second.IsSuccess && otherOutputs.IsSuccess && otherTokens.IsSuccess);
        Assert.Equal("again", second.Id);
        Assert.Equal(first.Output("924").AsSingles(), second.Output("924").AsSingles());
        Assert.NotEqual(first.Output("924").AsSingles(), otherTokens.Output("924").AsSingles());
        Reference.AssertClose(Reference.MiniLmEmbedding(tokens), second.Output("924").AsSingles());

        var metrics = await server.MetricsAsync();
        Assert.Equal(1, TestServer.MetricValue(metrics, "inference_cache_hits_total{model=\"m\"}"));
        Assert.Equal(3, TestServer.MetricValue(metrics, "inference_cache_misses_total{model=\"m\"}"));
        Assert.Equal(3, TestServer.MetricValue(metrics, "inference_batch_size_count{model=\"m\"}")); // the hit never reached the batcher
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_AnswerEveryRequestFromItsOwnData_When_RequestBuffersAreReusedBetweenRequests(bool binary)
    {
        // 32,768 floats (128 KB, JSON or binary) live in pooled buffers that the next request reuses: the cache must keep
        // its own copy of a request's inputs, or a later request would overwrite what an entry is compared against.
        await using var server = await TestServer.StartAsync(TinyOnnx.DynamicDouble(TestServer.TempDirectory), "--cache", "true", "--max-queue-delay-ms", "0");
        static float[] Values(int seed) => Enumerable.Range(0, 32_768).Select(k => (float)((seed * 100_000) + k)).ToArray();

        foreach (var seed in new[] { 1, 2, 1, 3, 2, 1 })
        {
            var result = await server.Client.InferAsync("m", [OipTensor.FromSingle("x", [1, 32_768], Values(seed))], new OipInferOptions { Binary = binary });
            Assert.True(result.IsSuccess, result.Error);
            Assert.Equal(Values(seed).Select(v => v * 2), result.Output("y").AsSingles());
        }

        var metrics = await server.MetricsAsync();
        Assert.Equal(3, TestServer.MetricValue(metrics, "inference_cache_hits_total{model=\"m\"}"));
        Assert.Equal(3, TestServer.MetricValue(metrics, "inference_cache_misses_total{model=\"m\"}"));
    }

    [Fact]
    public void Should_StillFindAnEntry_When_TheMemoryItsRequestCameInIsOverwritten()
    {
        var received = new byte[4096];
        Random.Shared.NextBytes(received);
        var original = received.ToArray();
        InferTensor Input(byte[] data) => new() { Name = "x", DataType = TensorDataType.UInt8, Shape = [data.Length], Data = data };
        var cache = new ResponseCache(maxBytes: 1 << 20, ttl: null, TimeProvider.System);

        cache.Add(ResponseCache.Key("m", "1", [Input(received)], ["*"]), [Tensor("y", 10)]);
        Array.Clear(received); // the request is done and its pooled buffer serves the next one

        Assert.True(cache.TryGet(ResponseCache.Key("m", "1", [Input(original)], ["*"]), out _));
        Assert.False(cache.TryGet(ResponseCache.Key("m", "1", [Input(received)], ["*"]), out _));
    }

    private static InferTensor Tensor(string name, int bytes) =>
        new() { Name = name, DataType = TensorDataType.UInt8, Shape = [bytes], Data = new byte[bytes] };

    private static CacheKey Key(int value) =>
        ResponseCache.Key("m", "1", [new InferTensor { Name = "x", DataType = TensorDataType.Int32, Shape = [1], Data = BitConverter.GetBytes(value) }], ["*"]);

    [Fact]
    public void Should_EvictLeastRecentlyUsed_When_ByteBudgetIsExceeded()
    {
        var cache = new ResponseCache(maxBytes: 3000, ttl: null, TimeProvider.System);
        cache.Add(Key(1), [Tensor("y", 1000)]);
        cache.Add(Key(2), [Tensor("y", 1000)]);
        Assert.True(cache.TryGet(Key(1), out _)); // 1 is now the most recently used
        cache.Add(Key(3), [Tensor("y", 1000)]);

        Assert.True(cache.TryGet(Key(1), out _));
        Assert.False(cache.TryGet(Key(2), out _));
        Assert.True(cache.TryGet(Key(3), out _));
        Assert.True(cache.Bytes <= 3000);

        cache.Add(Key(4), [Tensor("y", 5000)]); // larger than the whole budget: not cached
        Assert.False(cache.TryGet(Key(4), out _));
    }

    [Fact]
    public void Should_MissRatherThanAnswerAnotherRequest_When_HashesCollide()
    {
        // XXH3 is fast but not collision-resistant: force a collision and prove the full comparison catches it.
        InferTensor Input(byte value) => new() { Name = "x", DataType = TensorDataType.UInt8, Shape = [1], Data = new[] { value } };
        var mine = new CacheKey(hash: 42, "m", "1", [Input(1)], ["*"]);
        var theirs = new CacheKey(hash: 42, "m", "1", [Input(2)], ["*"]);
        var cache = new ResponseCache(maxBytes: 1 << 20, ttl: null, TimeProvider.System);
        cache.Add(mine, [Tensor("y", 10)]);

        Assert.False(cache.TryGet(theirs, out _));
        Assert.True(cache.TryGet(new CacheKey(hash: 42, "m", "1", [Input(1)], ["*"]), out _));
    }

    [Fact]
    public void Should_CountTheInputsAnEntryKeeps_AgainstTheByteBudget()
    {
        var cache = new ResponseCache(maxBytes: 1 << 20, ttl: null, TimeProvider.System);
        InferTensor[] image = [Tensor("pixels", 600_000)];
        cache.Add(ResponseCache.Key("m", "1", image, ["*"]), [Tensor("y", 2_000)]);
        Assert.True(cache.Bytes >= 602_000);
    }

    [Fact]
    public void Should_ExpireEntries_When_TtlPasses()
    {
        var time = new FakeTimeProvider();
        var cache = new ResponseCache(maxBytes: 1 << 20, ttl: TimeSpan.FromSeconds(10), time);
        cache.Add(Key(1), [Tensor("y", 10)]);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(cache.TryGet(Key(1), out _));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(cache.TryGet(Key(1), out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Should_KeyOnEveryPartOfTheRequest()
    {
        InferTensor[] inputs = [new() { Name = "x", DataType = TensorDataType.Int32, Shape = [1, 2], Data = new byte[8] }];
        var key = ResponseCache.Key("m", "1", inputs, ["y"]);
        Assert.Equal(key, ResponseCache.Key("m", "1", inputs, ["y"]));
        Assert.NotEqual(key, ResponseCache.Key("n", "1", inputs, ["y"]));
        Assert.NotEqual(key, ResponseCache.Key("m", "2", inputs, ["y"]));
        Assert.NotEqual(key, ResponseCache.Key("m", "1", inputs, ["z"]));
        Assert.NotEqual(key, ResponseCache.Key("m", "1", [new() { Name = "x", DataType = TensorDataType.Int32, Shape = [2, 1], Data = new byte[8] }], ["y"]));
        Assert.NotEqual(key, ResponseCache.Key("m", "1", [new() { Name = "x", DataType = TensorDataType.UInt32, Shape = [1, 2], Data = new byte[8] }], ["y"]));
        Assert.NotEqual(key, ResponseCache.Key("m", "1", [new() { Name = "x", DataType = TensorDataType.Int32, Shape = [1, 2], Data = new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 } }], ["y"]));
    }
}
