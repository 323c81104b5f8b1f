using System.Buffers.Binary;
using System.Runtime.InteropServices;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Protocol;

/// <summary>Raw tensor bytes as the binary extension and gRPC raw contents carry them.</summary>
internal static class TensorCodec
{
    /// <summary>
    /// Builds a tensor from raw bytes: numeric data must be exactly elements x size; BYTES data is a sequence of
    /// 4-byte little-endian lengths each followed by that many bytes, exactly one per element. The tensor takes its
    /// own copy: <paramref name="raw"/> may be a pooled buffer.
    /// </summary>
    public static InferTensor FromRaw(string name, TensorDataType type, long[] shape, ReadOnlySpan<byte> raw, string field)
    {
        var count = Shapes.Product(shape);
        if (type != TensorDataType.Bytes)
        {
            CheckRawLength(name, type, shape, count, raw.Length, field);
            var data = GC.AllocateUninitializedArray<byte>(raw.Length); // overwritten at once: no need to zero it first
            raw.CopyTo(data);
            return new InferTensor { Name = name, DataType = type, Shape = shape, Data = data };
        }

        return FromRawStrings(name, shape, count, raw, field);
    }

    /// <summary>
    /// As <see cref="FromRaw(string, TensorDataType, long[], ReadOnlySpan{byte}, string)"/>, for bytes nobody will
    /// write again (a request body this request owns, a protobuf field): numeric data is referenced, not copied,
    /// where it starts at a multiple of its element size.
    /// </summary>
    public static InferTensor FromOwnedRaw(string name, TensorDataType type, long[] shape, ReadOnlyMemory<byte> raw, string field)
    {
        if (type == TensorDataType.Bytes || !IsElementAligned(raw, type.ElementSize()))
        {
            return FromRaw(name, type, shape, raw.Span, field);
        }

        CheckRawLength(name, type, shape, Shapes.Product(shape), raw.Length, field);
        return new InferTensor { Name = name, DataType = type, Shape = shape, Data = raw };
    }

    /// <summary>Whether the bytes start at a multiple of the element size from the start of their array (arrays are 8-byte aligned).</summary>
    private static bool IsElementAligned(ReadOnlyMemory<byte> raw, int elementSize) =>
        MemoryMarshal.TryGetArray(raw, out var segment) && segment.Offset % elementSize == 0;

    private static void CheckRawLength(string name, TensorDataType type, long[] shape, long count, int length, string field)
    {
        var expected = count * type.ElementSize();
        if (length != expected)
        {
            throw InferenceException.BadRequest(
                $"input '{name}': {field} is {length} bytes but shape {Shapes.Format(shape)} of {type.Name()} needs {count} x {type.ElementSize()} = {expected} bytes");
        }
    }

    private static InferTensor FromRawStrings(string name, long[] shape, long count, ReadOnlySpan<byte> raw, string field)
    {
        if (count > raw.Length / 4)
        {
            throw InferenceException.BadRequest($"input '{name}': {field} of {raw.Length} bytes cannot hold {count} BYTES elements (each needs a 4-byte length)");
        }

        var strings = new byte[count][];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            if (raw.Length - offset < 4)
            {
                throw InferenceException.BadRequest($"input '{name}': {field} ends before the length of BYTES element {i}");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
            offset += 4;
            if (length > (uint)(raw.Length - offset))
            {
                throw InferenceException.BadRequest($"input '{name}': {field} BYTES element {i} claims {length} bytes but only {raw.Length - offset} remain");
            }

            strings[i] = raw.Slice(offset, (int)length).ToArray();
            offset += (int)length;
        }

        if (offset != raw.Length)
        {
            throw InferenceException.BadRequest($"input '{name}': {field} has {raw.Length - offset} bytes after its {count} BYTES elements");
        }

        return new InferTensor { Name = name, DataType = TensorDataType.Bytes, Shape = shape, Strings = strings };
    }

    public static int RawLength(InferTensor tensor) =>
        tensor.Strings is { } strings ? strings.Sum(s => 4 + s.Length) : tensor.Data.Length;

    /// <summary>Writes the tensor's raw form (see <see cref="FromRaw"/>).</summary>
    public static void WriteRaw(InferTensor tensor, Span<byte> destination)
    {
        if (tensor.Strings is not { } strings)
        {
            tensor.Data.Span.CopyTo(destination);
            return;
        }

        var offset = 0;
        foreach (var element in strings)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], (uint)element.Length);
            element.CopyTo(destination[(offset + 4)..]);
            offset += 4 + element.Length;
        }
    }

    public static ReadOnlyMemory<byte> ToRaw(InferTensor tensor)
    {
        if (tensor.Strings is null)
        {
            return tensor.Data;
        }

        var raw = new byte[RawLength(tensor)];
        WriteRaw(tensor, raw);
        return raw;
    }

    /// <summary>Validates a shape from a request: every dimension at least 1, element count representable.</summary>
    public static long[] CheckShape(string name, IReadOnlyList<long> shape)
    {
        for (var d = 0; d < shape.Count; d++)
        {
            if (shape[d] < 1)
            {
                throw InferenceException.BadRequest($"input '{name}': field 'shape' {Shapes.Format(shape.ToArray())} has dimension {d} = {shape[d]}; every dimension must be at least 1");
            }
        }

        var array = shape.ToArray();
        try
        {
            var count = Shapes.Product(array);
            if (count > int.MaxValue / 8)
            {
                throw InferenceException.BadRequest($"input '{name}': field 'shape' {Shapes.Format(array)} has {count} elements, more than this server accepts");
            }
        }
        catch (OverflowException)
        {
            throw InferenceException.BadRequest($"input '{name}': field 'shape' {Shapes.Format(array)} has more elements than can be counted");
        }

        return array;
    }
}
