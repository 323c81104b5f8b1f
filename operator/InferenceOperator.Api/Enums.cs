using System.Text.Json.Serialization;

namespace InferenceOperator.Api;

/// <summary>Numeric precision a model is served at.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    [JsonStringEnumMemberName("fp32")] Fp32,
    [JsonStringEnumMemberName("fp16")] Fp16,
    [JsonStringEnumMemberName("int8")] Int8,
    [JsonStringEnumMemberName("int4")] Int4,
}

/// <summary>Precision the service asks for: auto lets the planner choose.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PrecisionChoice>))]
public enum PrecisionChoice
{
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("fp32")] Fp32,
    [JsonStringEnumMemberName("fp16")] Fp16,
    [JsonStringEnumMemberName("int8")] Int8,
    [JsonStringEnumMemberName("int4")] Int4,
}

/// <summary>Model file format.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFormat>))]
public enum ModelFormat
{
    [JsonStringEnumMemberName("onnx")] Onnx,
}

/// <summary>What the planner minimises.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Objective>))]
public enum Objective
{
    [JsonStringEnumMemberName("cost")] Cost,
    [JsonStringEnumMemberName("energy")] Energy,
    [JsonStringEnumMemberName("carbon")] Carbon,
    [JsonStringEnumMemberName("latency")] Latency,
    [JsonStringEnumMemberName("balanced")] Balanced,
}

/// <summary>Which autoscaler owns the replica count.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AutoscalingEngine>))]
public enum AutoscalingEngine
{
    [JsonStringEnumMemberName("hpa")] Hpa,
    [JsonStringEnumMemberName("keda")] Keda,
    [JsonStringEnumMemberName("none")] None,
}

/// <summary>The signal the autoscaler follows.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScalingMetric>))]
public enum ScalingMetric
{
    [JsonStringEnumMemberName("gpu-utilization")] GpuUtilization,
    [JsonStringEnumMemberName("queue-depth")] QueueDepth,
    [JsonStringEnumMemberName("cpu")] Cpu,
    [JsonStringEnumMemberName("requests")] Requests,
}

/// <summary>ONNX Runtime execution provider a device is driven through.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExecutionProvider>))]
public enum ExecutionProvider
{
    [JsonStringEnumMemberName("CPU")] Cpu,
    [JsonStringEnumMemberName("CUDA")] Cuda,
    [JsonStringEnumMemberName("TensorRT")] TensorRT,
    [JsonStringEnumMemberName("ROCm")] ROCm,
}
