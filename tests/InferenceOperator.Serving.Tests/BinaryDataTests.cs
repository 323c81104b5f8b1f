using System.Runtime.InteropServices;
using System.Text;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Tests;

/// <summary>
/// Binary tensor data that belongs to the request (its own body array, a protobuf field) is referenced by its tensors
/// rather than copied when every binary input of the body is element-aligned; data in a pooled buffer, or in a body
/// with any input out of alignment, is copied.
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
    public void Should_CopyEveryInput_When_OneBinaryInputCannotBeReferenced()
    {
        // UINT8 x3 first puts the FP32 input at offset 3: it must be copied, and then so is everything else, or the
        // referenced UINT8 slice would keep the copied input's bytes alive where the cache cannot count them.
        byte[] bytes = [7, 8, 9];
        long[] longs = [long.MinValue, 42];
        var body = bytes.Concat(MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray()).Concat(MemoryMarshal.AsBytes(longs.AsSpan()).ToArray()).ToArray();
        var json = Header(("a", "UINT8", 3), ("b", "FP32", Pixels.Length * 4), ("c", "INT64", 16));

        var request = OipJsonReader.ParseOwningBinary(json, body, allowNonFinite: false);

        Assert.Equal(bytes, request.Inputs[0].Data.ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[1].Data.Span).ToArray());
        Assert.Equal(longs, MemoryMarshal.Cast<byte, long>(request.Inputs[2].Data.Span).ToArray());
        Assert.All(request.Inputs, input => Assert.False(MemoryMarshal.TryGetArray(input.Data, out var segment) && ReferenceEquals(segment.Array, body)));
    }

    /// <summary>
    /// INT64 then FP32. With no padding both are aligned and referenced. A body without a declared length is one
    /// array with the JSON first: with the binary part at byte 4, the INT64 input (offset 4) cannot be referenced while
    /// the FP32 one (offset 20) could, and then neither may be.
    /// </summary>
    [Theory]
    [InlineData(0, true)]
    [InlineData(4, false)]
    public void Should_ReferenceEveryInputOrNone_When_AlignmentInTheArrayAllowsIt(int padding, bool referenced)
    {
        long[] longs = [long.MinValue, 42];
        var binary = MemoryMarshal.AsBytes(longs.AsSpan()).ToArray().Concat(MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray()).ToArray();
        var whole = new byte[padding].Concat(binary).ToArray();
        var json = Header(("c", "INT64", 16), ("b", "FP32", Pixels.Length * 4));

        var request = OipJsonReader.ParseOwningBinary(json, whole.AsMemory(padding), allowNonFinite: false);

        Assert.Equal(longs, MemoryMarshal.Cast<byte, long>(request.Inputs[0].Data.Span).ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[1].Data.Span).ToArray());
        Assert.All(request.Inputs, input => Assert.Equal(referenced, MemoryMarshal.TryGetArray(input.Data, out var segment) && ReferenceEquals(segment.Array, whole)));
    }

    [Fact]
    public void Should_RejectAWrongSize_When_OwnedDataIsReferenced()
    {
        var body = new byte[20];

        var error = Assert.Throws<InferenceException>(() => TensorCodec.FromOwnedRaw("x", TensorDataType.Fp32, [2, 3], body, "raw_input_contents"));

        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("input 'x': raw_input_contents is 20 bytes but shape [2,3] of FP32 needs 6 x 4 = 24 bytes", error.Message, StringComparison.Ordinal);
    }

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
