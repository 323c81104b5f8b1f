using System.Buffers.Binary;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Protocol;

/// <summary>Integer tensor elements as JSON carries them: the range each datatype holds and the little-endian bytes.</summary>
internal static class IntegerElements
{
    /// <summary>Smallest and largest value of a signed or unsigned integer datatype up to 64 bits (UINT64 is read separately).</summary>
    public static (long Min, long Max) Range(TensorDataType type) => type switch
    {
        TensorDataType.UInt8 => (byte.MinValue, byte.MaxValue),
        TensorDataType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        TensorDataType.UInt32 => (uint.MinValue, uint.MaxValue),
        TensorDataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        TensorDataType.Int16 => (short.MinValue, short.MaxValue),
        TensorDataType.Int32 => (int.MinValue, int.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    /// <summary>Writes an in-range value in the element size of <paramref name="target"/> (1, 2, 4 or 8 bytes).</summary>
    public static void Write(Span<byte> target, long value)
    {
        switch (target.Length)
        {
            case 1:
                target[0] = unchecked((byte)value);
                break;
            case 2:
                BinaryPrimitives.WriteInt16LittleEndian(target, unchecked((short)value));
                break;
            case 4:
                BinaryPrimitives.WriteInt32LittleEndian(target, unchecked((int)value));
                break;
            default:
                BinaryPrimitives.WriteInt64LittleEndian(target, value);
                break;
        }
    }
}
