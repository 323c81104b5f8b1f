using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;

namespace InferenceOperator.Api;

/// <summary>What profiling measured (or the user states) about a model: size, work per inference and quality per precision.</summary>
public sealed class ModelProfile
{
    /// <summary>URI of the model file these figures describe: in status, the one profiled, so a changed spec.model.uri is re-profiled.</summary>
    [JsonPropertyName("uri")]
    [Length(1, 2048)]
    public string? Uri { get; set; }

    /// <summary>SHA-256 of the profiled fp32 model file.</summary>
    [JsonPropertyName("sha256")]
    [Pattern("^[a-f0-9]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>Number of weights (initializers and constants).</summary>
    [JsonPropertyName("parameters")]
    [RequiredField]
    [Minimum(1)]
    public long Parameters { get; set; }

    /// <summary>Floating-point operations for one inference (one batch item) at the profiled sequence length.</summary>
    [JsonPropertyName("flopsPerInference")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double FlopsPerInference { get; set; }

    /// <summary>Sequence length the figures were measured at (text models).</summary>
    [JsonPropertyName("sequenceLength")]
    [Minimum(1)]
    public int? SequenceLength { get; set; }

    /// <summary>ONNX opset version of the default domain.</summary>
    [JsonPropertyName("opset")]
    [Minimum(1)]
    public int? Opset { get; set; }

    /// <summary>Activation memory per batch item, in bytes (the planner adds it per batch item to the weights).</summary>
    [JsonPropertyName("activationBytesPerItem")]
    [Minimum(0)]
    public long? ActivationBytesPerItem { get; set; }

    /// <summary>Weight bytes at each precision (file sizes of the weights), which the planner uses for memory and bandwidth.</summary>
    [JsonPropertyName("weightBytes")]
    public WeightBytes? WeightBytes { get; set; }

    /// <summary>Precisions that could not be produced or measured, each with the reason.</summary>
    [JsonPropertyName("unavailable")]
    [Items(0, 4)]
    public List<UnavailablePrecision>? Unavailable { get; set; }

    /// <summary>Model inputs.</summary>
    [JsonPropertyName("inputs")]
    [Items(0, 64)]
    public List<TensorSpec>? Inputs { get; set; }

    /// <summary>Measured quality and CPU speed per precision; a precision absent here is unmeasured.</summary>
    [JsonPropertyName("precisions")]
    [Items(0, 4)]
    [ListMap("precision")]
    public List<PrecisionProfile>? Precisions { get; set; }

    /// <summary>Where the measurements were taken (CPU model), so figures from another machine are recognisable.</summary>
    [JsonPropertyName("measuredOn")]
    public string? MeasuredOn { get; set; }
}

/// <summary>Name, element type and shape of a model input; -1 marks a variable dimension.</summary>
public sealed class TensorSpec
{
    /// <summary>Tensor name.</summary>
    [JsonPropertyName("name")]
    [RequiredField]
    public string Name { get; set; } = "";

    /// <summary>Open Inference Protocol datatype, e.g. FP32, INT64, BYTES.</summary>
    [JsonPropertyName("datatype")]
    [RequiredField]
    [Pattern("^(BOOL|UINT8|UINT16|UINT32|UINT64|INT8|INT16|INT32|INT64|FP16|FP32|FP64|BYTES)$")]
    public string Datatype { get; set; } = "";

    /// <summary>Dimensions; -1 is variable (batch or sequence).</summary>
    [JsonPropertyName("shape")]
    [Items(0, 16)]
    public List<long> Shape { get; set; } = [];
}

/// <summary>Quality against fp32 and CPU speed of the model at one precision.</summary>
public sealed class PrecisionProfile
{
    /// <summary>The precision measured.</summary>
    [JsonPropertyName("precision")]
    [RequiredField]
    public Precision Precision { get; set; }

    /// <summary>Mean cosine similarity of outputs against fp32 over the calibration set.</summary>
    [JsonPropertyName("cosineMean")]
    [Minimum(-1)]
    [Maximum(1)]
    public double? CosineMean { get; set; }

    /// <summary>Worst-case cosine similarity against fp32.</summary>
    [JsonPropertyName("cosineMin")]
    [Minimum(-1)]
    [Maximum(1)]
    public double? CosineMin { get; set; }

    /// <summary>Fraction of inputs whose top-1 class matches fp32 (class-score outputs only).</summary>
    [JsonPropertyName("top1Agreement")]
    [Minimum(0)]
    [Maximum(1)]
    public double? Top1Agreement { get; set; }

    /// <summary>Largest absolute difference of any output element against fp32.</summary>
    [JsonPropertyName("maxAbsError")]
    [Minimum(0)]
    public double? MaxAbsError { get; set; }

    /// <summary>Whether this precision passed the quality thresholds the profile was measured with.</summary>
    [JsonPropertyName("passed")]
    public bool? Passed { get; set; }

    /// <summary>Relative L2 error of outputs against fp32.</summary>
    [JsonPropertyName("relativeL2")]
    [Minimum(0)]
    public double? RelativeL2 { get; set; }

    /// <summary>Model file size at this precision, in bytes.</summary>
    [JsonPropertyName("fileBytes")]
    [Minimum(0)]
    public long? FileBytes { get; set; }

    /// <summary>Measured CPU inferences per second at batch 1.</summary>
    [JsonPropertyName("throughputBatch1")]
    [Minimum(0)]
    public double? ThroughputBatch1 { get; set; }

    /// <summary>Measured CPU inferences per second at batch 8.</summary>
    [JsonPropertyName("throughputBatch8")]
    [Minimum(0)]
    public double? ThroughputBatch8 { get; set; }

    /// <summary>Measured CPU median latency at batch 1, in milliseconds.</summary>
    [JsonPropertyName("latencyP50Batch1Ms")]
    [Minimum(0)]
    public double? LatencyP50Batch1Ms { get; set; }

    /// <summary>vCPUs the CPU figures were measured with.</summary>
    [JsonPropertyName("vCpus")]
    [Minimum(1)]
    public int? VCpus { get; set; }
}

/// <summary>Weight bytes per precision.</summary>
public sealed class WeightBytes
{
    /// <summary>32-bit float weights, in bytes.</summary>
    [JsonPropertyName("fp32")]
    [Minimum(0)]
    public long? Fp32 { get; set; }

    /// <summary>16-bit float weights, in bytes.</summary>
    [JsonPropertyName("fp16")]
    [Minimum(0)]
    public long? Fp16 { get; set; }

    /// <summary>8-bit integer weights, in bytes.</summary>
    [JsonPropertyName("int8")]
    [Minimum(0)]
    public long? Int8 { get; set; }

    /// <summary>4-bit integer weights, in bytes.</summary>
    [JsonPropertyName("int4")]
    [Minimum(0)]
    public long? Int4 { get; set; }
}

/// <summary>A precision the profiler could not produce or measure, and why.</summary>
public sealed class UnavailablePrecision
{
    /// <summary>The precision.</summary>
    [JsonPropertyName("precision")]
    [RequiredField]
    public Precision Precision { get; set; }

    /// <summary>Why it is unavailable.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }
}
