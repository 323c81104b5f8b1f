namespace InferenceOperator.Models;

/// <summary>
/// A model input or output. <see cref="Shape"/> uses -1 for a symbolic dimension whose name is in <see cref="DimNames"/>;
/// <see cref="Datatype"/> is the Open Inference Protocol name (FP32, INT64, ...).
/// </summary>
public sealed record TensorSpec(string Name, string Datatype, IReadOnlyList<long> Shape, IReadOnlyList<string?> DimNames);

/// <summary>Bytes the weights take at each precision, as this toolkit would quantize them.</summary>
public sealed record WeightBytes(long Fp32, long Fp16, long Int8, long Int4)
{
    public long For(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Fp16 => Fp16,
        ModelPrecision.Int8 => Int8,
        ModelPrecision.Int4 => Int4,
        _ => Fp32,
    };
}

/// <summary>What <see cref="ModelAnalyzer"/> found in a model file.</summary>
public sealed record ModelAnalysis
{
    public required string Path { get; init; }

    /// <summary>Lower-case hex SHA-256 of the file.</summary>
    public required string Sha256 { get; init; }

    public required long FileBytes { get; init; }

    public required long IrVersion { get; init; }

    /// <summary>Opset of the default ONNX domain.</summary>
    public required long Opset { get; init; }

    /// <summary>Every imported operator set, domain ("" is ONNX) to version.</summary>
    public required IReadOnlyDictionary<string, long> OpsetImports { get; init; }

    public required IReadOnlyList<TensorSpec> Inputs { get; init; }

    public required IReadOnlyList<TensorSpec> Outputs { get; init; }

    /// <summary>Elements in all initializers and Constant node values.</summary>
    public required long Parameters { get; init; }

    /// <summary>Batch size the FLOP count was taken at.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Sequence length the FLOP count was taken at, when the model has a sequence dimension.</summary>
    public int? SequenceLength { get; init; }

    /// <summary>FLOPs (multiply and add counted separately) of MatMul, Gemm and Conv for one run at <see cref="BatchSize"/>; null if shapes could not be inferred.</summary>
    public double? Flops { get; init; }

    /// <summary><see cref="Flops"/> divided by the batch size: the planner's flopsPerInference.</summary>
    public double? FlopsPerItem => Flops / BatchSize;

    public required WeightBytes WeightBytes { get; init; }

    /// <summary>Node count per operator ("Domain.Op" for non-ONNX domains), most frequent first.</summary>
    public required IReadOnlyList<KeyValuePair<string, int>> OpHistogram { get; init; }

    /// <summary>True when every input's first dimension is symbolic.</summary>
    public required bool IsBatchDynamic { get; init; }

    /// <summary>Why a fixed batch cannot be made symbolic (null when it can or already is).</summary>
    public string? BatchBlocker { get; init; }
}

/// <summary>Where the FLOP count is taken.</summary>
public sealed record AnalysisOptions
{
    public int BatchSize { get; init; } = 1;

    /// <summary>Length used for symbolic dimensions after the first (sequence models).</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Run the graph once in ONNX Runtime to learn MatMul/Gemm/Conv shapes (needed for FLOPs).</summary>
    public bool ComputeFlops { get; init; } = true;
}

/// <summary>The outcome of <see cref="ModelAnalyzer.MakeBatchDynamic"/>.</summary>
public sealed record BatchConversion(string OutputPath, bool Changed, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
