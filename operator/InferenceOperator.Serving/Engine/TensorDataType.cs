using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceOperator.Serving.Engine;

/// <summary>The Open Inference Protocol tensor datatypes this engine serves.</summary>
internal enum TensorDataType
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Fp32,
    Fp64,
    Bytes,
}

internal static class TensorDataTypes
{
    private static readonly (TensorDataType Type, string Name, int Size, TensorElementType Ort)[] Table =
    [
        (TensorDataType.Bool, "BOOL", 1, TensorElementType.Bool),
        (TensorDataType.UInt8, "UINT8", 1, TensorElementType.UInt8),
        (TensorDataType.UInt16, "UINT16", 2, TensorElementType.UInt16),
        (TensorDataType.UInt32, "UINT32", 4, TensorElementType.UInt32),
        (TensorDataType.UInt64, "UINT64", 8, TensorElementType.UInt64),
        (TensorDataType.Int8, "INT8", 1, TensorElementType.Int8),
        (TensorDataType.Int16, "INT16", 2, TensorElementType.Int16),
        (TensorDataType.Int32, "INT32", 4, TensorElementType.Int32),
        (TensorDataType.Int64, "INT64", 8, TensorElementType.Int64),
        (TensorDataType.Fp16, "FP16", 2, TensorElementType.Float16),
        (TensorDataType.Fp32, "FP32", 4, TensorElementType.Float),
        (TensorDataType.Fp64, "FP64", 8, TensorElementType.Double),
        (TensorDataType.Bytes, "BYTES", 0, TensorElementType.String),
    ];

    /// <summary>All protocol names, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", Table.Select(t => t.Name));

    public static string Name(this TensorDataType type) => Table[(int)type].Name;

    /// <summary>Bytes per element; 0 for BYTES, whose elements vary in length.</summary>
    public static int ElementSize(this TensorDataType type) => Table[(int)type].Size;

    public static bool IsFloatingPoint(this TensorDataType type) =>
        type is TensorDataType.Fp16 or TensorDataType.Fp32 or TensorDataType.Fp64;

    public static TensorElementType ToOrt(this TensorDataType type) => Table[(int)type].Ort;

    public static bool TryParse(string? name, out TensorDataType type)
    {
        foreach (var row in Table)
        {
            if (string.Equals(row.Name, name, StringComparison.Ordinal))
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static bool TryFromOrt(TensorElementType ort, out TensorDataType type)
    {
        foreach (var row in Table)
        {
            if (row.Ort == ort)
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }
}
