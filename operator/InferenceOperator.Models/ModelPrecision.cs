using System.Text.Json.Serialization;

namespace InferenceOperator.Models;

/// <summary>Numeric precision of a model's weights.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelPrecision>))]
public enum ModelPrecision
{
    /// <summary>The original 32-bit float model.</summary>
    [JsonStringEnumMemberName("fp32")] Fp32,

    /// <summary>Weights stored as IEEE half precision.</summary>
    [JsonStringEnumMemberName("fp16")] Fp16,

    /// <summary>8-bit integer weights, activations quantized at run time.</summary>
    [JsonStringEnumMemberName("int8")] Int8,

    /// <summary>4-bit blockwise weight-only quantization.</summary>
    [JsonStringEnumMemberName("int4")] Int4,
}
