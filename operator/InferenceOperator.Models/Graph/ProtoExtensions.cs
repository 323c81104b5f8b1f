using Google.Protobuf;
using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Graph;

internal static class ProtoExtensions
{
    /// <summary>Serialises a model for an in-memory ONNX Runtime session (protobuf caps a message at 2 GB).</summary>
    public static byte[] ToByteArrayChecked(this ModelProto model)
    {
        var size = model.CalculateSize();
        return size < 0 ? throw new InvalidOperationException("model larger than 2 GB cannot be serialised inline") : model.ToByteArray();
    }
}
