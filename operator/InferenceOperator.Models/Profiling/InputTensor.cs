using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceOperator.Models.Profiling;

/// <summary>One named input value held in managed memory: float32 or int64 (int32 inputs are stored as int64 and narrowed).</summary>
internal sealed record InputTensor(string Name, TensorElementType Type, long[] Shape, float[]? Floats, long[]? Longs)
{
    public static InputTensor Float(string name, float[] values, params long[] shape) => new(name, TensorElementType.Float, shape, values, null);

    public static InputTensor Int(string name, TensorElementType type, long[] values, params long[] shape) => new(name, type, shape, null, values);

    public OrtValue ToOrtValue() => Type switch
    {
        TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Floats!, Shape),
        TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(Longs!, Shape),
        TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(Longs!.Select(v => (int)v).ToArray(), Shape),
        TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(Floats!.Select(v => (Float16)v).ToArray(), Shape),
        _ => throw new NotSupportedException($"input '{Name}' has unsupported element type {Type}"),
    };

    /// <summary>Concatenates single items along the first (batch) axis.</summary>
    public static InputTensor Concat(IReadOnlyList<InputTensor> items)
    {
        var first = items[0];
        var shape = (long[])first.Shape.Clone();
        shape[0] = items.Sum(i => i.Shape[0]);
        return first.Floats is not null
            ? first with { Shape = shape, Floats = [.. items.SelectMany(i => i.Floats!)] }
            : first with { Shape = shape, Longs = [.. items.SelectMany(i => i.Longs!)] };
    }
}
