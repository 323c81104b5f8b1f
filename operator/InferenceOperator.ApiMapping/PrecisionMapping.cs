using ApiPrecision = InferenceOperator.Api.Precision;
using PlanPrecision = InferenceOperator.Planning.Precision;

namespace InferenceOperator.ApiMapping;

/// <summary>Precision and execution-provider names across the API, the planner and ONNX Runtime.</summary>
public static class PrecisionMapping
{
    public static PlanPrecision ToPlanning(this ApiPrecision precision) => precision switch
    {
        ApiPrecision.Fp32 => PlanPrecision.Fp32,
        ApiPrecision.Fp16 => PlanPrecision.Fp16,
        ApiPrecision.Int8 => PlanPrecision.Int8,
        _ => PlanPrecision.Int4,
    };

    public static ApiPrecision ToApi(this PlanPrecision precision) => precision switch
    {
        PlanPrecision.Fp32 => ApiPrecision.Fp32,
        PlanPrecision.Fp16 => ApiPrecision.Fp16,
        PlanPrecision.Int8 => ApiPrecision.Int8,
        _ => ApiPrecision.Int4,
    };

    public static PlanPrecision? ToPlanning(this Api.PrecisionChoice? choice) => choice switch
    {
        Api.PrecisionChoice.Fp32 => PlanPrecision.Fp32,
        Api.PrecisionChoice.Fp16 => PlanPrecision.Fp16,
        Api.PrecisionChoice.Int8 => PlanPrecision.Int8,
        Api.PrecisionChoice.Int4 => PlanPrecision.Int4,
        _ => null,
    };

    /// <summary>ONNX Runtime's name for the provider, as the planner and the serving engine use it.</summary>
    public static string RuntimeName(this Api.ExecutionProvider provider) => provider switch
    {
        Api.ExecutionProvider.Cuda => "CUDAExecutionProvider",
        Api.ExecutionProvider.TensorRT => "TensorrtExecutionProvider",
        Api.ExecutionProvider.ROCm => "ROCMExecutionProvider",
        _ => "CPUExecutionProvider",
    };

    public static Api.ExecutionProvider FromRuntimeName(string name) => name switch
    {
        "CUDAExecutionProvider" => Api.ExecutionProvider.Cuda,
        "TensorrtExecutionProvider" => Api.ExecutionProvider.TensorRT,
        "ROCMExecutionProvider" or "MIGraphXExecutionProvider" => Api.ExecutionProvider.ROCm,
        _ => Api.ExecutionProvider.Cpu,
    };
}
