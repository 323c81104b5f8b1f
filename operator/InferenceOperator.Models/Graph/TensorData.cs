using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using InferenceOperator.Models.Onnx;
using DataType = InferenceOperator.Models.Onnx.TensorProto.Types.DataType;

namespace InferenceOperator.Models.Graph;

/// <summary>Element counts, sizes and float access for <see cref="TensorProto"/> values.</summary>
internal static class TensorData
{
    public static long ElementCount(TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, b) => a * b);

    public static long ElementCount(IEnumerable<long> dims) => dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bits per element of an ONNX data type (0 for strings and unknown types).</summary>
    public static int BitsPerElement(int dataType) => (DataType)dataType switch
    {
        DataType.Float or DataType.Int32 or DataType.Uint32 => 32,
        DataType.Double or DataType.Int64 or DataType.Uint64 or DataType.Complex64 => 64,
        DataType.Complex128 => 128,
        DataType.Float16 or DataType.Bfloat16 or DataType.Int16 or DataType.Uint16 => 16,
        DataType.Int4 or DataType.Uint4 => 4,
        DataType.String or DataType.Undefined => 0,
        _ => 8,
    };

    public static long ByteSize(TensorProto tensor) => (ElementCount(tensor) * BitsPerElement(tensor.DataType) + 7) / 8;

    public static bool IsFloat(TensorProto tensor) => tensor.DataType == (int)DataType.Float;

    /// <summary>Reads a FLOAT tensor's values, whichever field holds them.</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float)
        {
            throw new InvalidOperationException($"tensor '{tensor.Name}' is not FLOAT");
        }

        if (tensor.FloatData.Count > 0)
        {
            return [.. tensor.FloatData];
        }

        var raw = tensor.RawData.Span;
        var values = new float[raw.Length / 4];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
            }
        }

        return values;
    }

    /// <summary>Reads an INT64 tensor's values.</summary>
    public static long[] ReadInt64s(TensorProto tensor)
    {
        if (tensor.Int64Data.Count > 0)
        {
            return [.. tensor.Int64Data];
        }

        if (tensor.DataType == (int)DataType.Int32)
        {
            return tensor.Int32Data.Count > 0
                ? [.. tensor.Int32Data.Select(v => (long)v)]
                : [.. MemoryMarshal.Cast<byte, int>(tensor.RawData.Span).ToArray().Select(v => (long)v)];
        }

        return MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray();
    }

    public static TensorProto Floats(string name, ReadOnlySpan<float> values, params long[] dims) =>
        Raw(name, DataType.Float, MemoryMarshal.AsBytes(values), dims);

    public static TensorProto Halves(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        return Raw(name, DataType.Float16, MemoryMarshal.AsBytes(halves.AsSpan()), dims);
    }

    public static TensorProto Bytes(string name, DataType type, ReadOnlySpan<byte> values, params long[] dims) => Raw(name, type, values, dims);

    public static TensorProto Int64s(string name, ReadOnlySpan<long> values, params long[] dims) =>
        Raw(name, DataType.Int64, MemoryMarshal.AsBytes(values), dims);

    private static TensorProto Raw(string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
