using System.Runtime.InteropServices;
using System.Text;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Tests;

/// <summary>
/// Binary tensor data that belongs to the request (its own body array, a protobuf field) is referenced by its tensors
/// rather than copied, where its elements are aligned; data in a pooled buffer, or out of alignment, is copied.
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
    public void Should_DecodeEveryInputOfAMixedBody_When_SomeAreReferencedAndSomeCopied()
    {
        // UINT8 x3 first: the FP32 input after it starts at offset 3 (copied), the INT64 one after that at 27 (copied),
        // and a body that starts with FP32 is referenced; every value must come out right either way.
        byte[] bytes = [7, 8, 9];
        long[] longs = [long.MinValue, 42];
        var body = bytes.Concat(MemoryMarshal.AsBytes(Pixels.AsSpan()).ToArray()).Concat(MemoryMarshal.AsBytes(longs.AsSpan()).ToArray()).ToArray();
        var json = Header(("a", "UINT8", 3), ("b", "FP32", Pixels.Length * 4), ("c", "INT64", 16));

        var request = OipJsonReader.ParseOwningBinary(json, body, allowNonFinite: false);
        var aligned = OipJsonReader.ParseOwningBinary(Header(("b", "FP32", Pixels.Length * 4)), body.AsMemory(3, Pixels.Length * 4).ToArray(), allowNonFinite: false);

        Assert.Equal(bytes, request.Inputs[0].Data.ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(request.Inputs[1].Data.Span).ToArray());
        Assert.Equal(longs, MemoryMarshal.Cast<byte, long>(request.Inputs[2].Data.Span).ToArray());
        Assert.Equal(Pixels, MemoryMarshal.Cast<byte, float>(aligned.Inputs[0].Data.Span).ToArray());
        Assert.True(MemoryMarshal.TryGetArray(request.Inputs[0].Data, out var first) && ReferenceEquals(first.Array, body));
        Assert.True(MemoryMarshal.TryGetArray(request.Inputs[1].Data, out var second) && !ReferenceEquals(second.Array, body));
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
