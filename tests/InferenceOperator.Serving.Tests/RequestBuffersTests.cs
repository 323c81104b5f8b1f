using System.Buffers;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Tests;

/// <summary>A request's large tensor arrays come from a pool and go back to it, all of them, when the request is done.</summary>
public sealed class RequestBuffersTests
{
    [Fact]
    public void Should_ReturnEveryPooledArrayOnce_When_TheRequestIsDone()
    {
        var pool = new RecordingPool();
        var buffers = new RequestBuffers(pool);

        var image = buffers.Rent(602_112);
        var mask = buffers.Rent(RequestBuffers.MinPooledBytes);

        Assert.Equal(602_112, image.Length);
        Assert.Equal(RequestBuffers.MinPooledBytes, mask.Length);
        Assert.Equal(2, pool.Rented.Count);
        Assert.Empty(pool.Returned);

        buffers.Dispose();
        buffers.Dispose();

        Assert.Equal(pool.Rented, pool.Returned); // each once, even when disposed twice
    }

    [Fact]
    public void Should_AllocateSmallArraysAsUsual_When_PoolingWouldNotPay()
    {
        var pool = new RecordingPool();
        using var buffers = new RequestBuffers(pool);

        var small = buffers.Rent(RequestBuffers.MinPooledBytes - 1);

        Assert.Equal(RequestBuffers.MinPooledBytes - 1, small.Length);
        Assert.Empty(pool.Rented);
    }

    [Fact]
    public void Should_DecodeJsonDataIntoTheRequestsBuffers_When_TheyAreGiven()
    {
        // 20,000 FP32 numbers decode to 80,000 bytes: pooled, and the tensor reads exactly its own length of them.
        var values = Enumerable.Range(0, 20_000).Select(i => i * 0.25f).ToArray();
        var json = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"inputs\":[{{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[20000],\"data\":[{string.Join(",", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]}}]}}");
        var pool = new RecordingPool();
        using var buffers = new RequestBuffers(pool);

        var request = OipJsonReader.ParseOwningBinary(json, default, allowNonFinite: false, parallelism: 1, buffers);

        var rented = Assert.Single(pool.Rented);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(request.Inputs[0].Data, out var segment));
        Assert.Same(rented, segment.Array);
        Assert.Equal(80_000, request.Inputs[0].Data.Length);
        Assert.Equal(values, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(request.Inputs[0].Data.Span).ToArray());
    }

    /// <summary>Hands out arrays larger than asked, as real pools do, and records what comes back.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = [];

        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)minimumLength)];
            Rented.Add(array);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }
}
