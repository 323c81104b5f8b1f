using System.Runtime.InteropServices;
using System.Text;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Tests;

/// <summary>
/// Binary tensor data that belongs to the request (its own body buffers, a protobuf field) is referenced by its tensors
/// rather than copied where it is element-aligned; data in a buffer someone else reuses, or out of alignment, is copied.
/// </summary>
public sealed class BinaryDataTests
{
    private static readonly float[] Pixels = [0.5f, -1.25f, 3f, float.Epsilon, 1e30f, -0f];

    [Fact]
    public void Should_ReferenceTheReceivedBytes_When_OwnedDataIsAligned()
    {
        var body = MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray();

        var tensor = TensorCodec.FromOwnedRaw("x", TensorDataType.Fp32, [2, 3], body, "binary data");

        Assert.True(MemoryMarshal.TryGetArray(tensor.Data, out var segment));
        Assert.Same(body, segment.Array);
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray());
    }

    [Fact]
    public void Should_CopyTheBytes_When_OwnedDataStartsOffItsElementAlignment()
    {
        var body = new byte[1 + (Pixels.Length * 4)];
        MemoryMarshal.AsBytes(Pixels.AsSpan()).CopyTo(body.AsSpan(1));

        var tensor = TensorCodec.FromOwnedRaw("x", TensorDataType.Fp32, [6], body.AsMemory(1), "binary data");

        Assert.True(MemoryMarshal.TryGetArray(tensor.Data, out var segment));
        Assert.NotSame(body, segment.Array);
        Assert.Equal(0, segment.Offset);
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray());
    }

    [Fact]
    public void Should_CopyTheBytes_When_TheyComeFromABufferThatIsReused()
    {
        var body = MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray();
        var json = Header(("x", "FP32", body.Length));

        var request = OipJsonReader.Parse(json, body, allowNonFinite: false);
        Array.Clear(body); // what returning a pooled buffer and reusing it amounts to

        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[0].Data.Span).ToArray());
    }

    [Fact]
    public void Should_ReferenceEachAlignedInput_And_CopyTheOthers_When_ABodyMixesAlignments()
    {
        // UINT8 x3 first puts the FP32 input at offset 3 and the INT64 one at 27: only the bytes stay referenced.
        byte[] bytes = [7, 8, 9];
        long[] longs = [long.MinValue, 42];
        var body = bytes.Concat(MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray()).Concat(MemoryMarshal.AsBytes(longs.AsSpan()).ToArray()).ToArray();
        var json = Header(("a", "UINT8", 3), ("b", "FP32", Pixels.Length * 4), ("c", "INT64", 16));

        var request = OipJsonReader.ParseOwningBinary(json, body, allowNonFinite: false);

        Assert.Equal(bytes, request.Inputs[0].Data.ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[1].Data.Span).ToArray());
        Assert.Equal(longs, MemoryMarshal.Cast<byte, long>(request.Inputs[2].Data.Span).ToArray());
        Assert.Equal([true, false, false], request.Inputs.Select(input => References(input, body)));
    }

    /// <summary>
    /// INT64 then FP32. With no padding both are aligned and referenced. A body without a declared length is one
    /// array with the JSON first: with the binary part at byte 4, the INT64 input (offset 4) must be copied while the
    /// FP32 one (offset 20) is referenced. Alignment is judged in the array that holds the data, as ONNX Runtime sees it.
    /// </summary>
    [Theory]
    [InlineData(0, true, true)]
    [InlineData(4, false, true)]
    public void Should_ReferenceAnInput_When_ItIsAlignedInTheArrayThatHoldsIt(int padding, bool longsReferenced, bool pixelsReferenced)
    {
        long[] longs = [long.MinValue, 42];
        var binary = MemoryMarshal.AsBytes(longs.AsSpan()).ToArray().Concat(MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray()).ToArray();
        var whole = new byte[padding].Concat(binary).ToArray();
        var json = Header(("c", "INT64", 16), ("b", "FP32", Pixels.Length * 4));

        var request = OipJsonReader.ParseOwningBinary(json, whole.AsMemory(padding), allowNonFinite: false);

        Assert.Equal(longs, MemoryMarshal.Cast<byte, long>(request.Inputs[0].Data.Span).ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[1].Data.Span).ToArray());
        Assert.Equal(longsReferenced, References(request.Inputs[0], whole));
        Assert.Equal(pixelsReferenced, References(request.Inputs[1], whole));
    }

    [Fact]
    public void Should_RejectAWrongSize_When_OwnedDataIsReferenced()
    {
        var body = new byte[20];

        var error = Assert.Throws<InferenceException>(() => TensorCodec.FromOwnedRaw("x", TensorDataType.Fp32, [2, 3], body, "raw_input_contents"));

        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("input 'x': raw_input_contents is 20 bytes but shape [2,3] of FP32 needs 6 x 4 = 24 bytes", error.Message, StringComparison.Ordinal);
    }

    private static bool References(InferTensor input, byte[] body) =>
        MemoryMarshal.TryGetArray(input.Data, out var segment) && ReferenceEquals(segment.Array, body);

    private static byte[] Header(params (string Name, string Datatype, int Bytes)[] inputs)
    {
        var items = inputs.Select(i =>
        {
            var size = i.Datatype switch { "UINT8" => 1, "FP32" => 4, _ => 8 };
            return $"{{\"name\":\"{i.Name}\",\"datatype\":\"{i.Datatype}\",\"shape\":[{i.Bytes / size}],\"parameters\":{{\"binary_data_size\":{i.Bytes}}}}}";
        });
        return Encoding.UTF8.GetBytes($"{{\"inputs\":[{string.Join(",", items)}]}}");
    }
}
