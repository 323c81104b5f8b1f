using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceOperator.Models;

/// <summary>Quality thresholds a precision must meet against fp32 (a policy's <c>quality</c> section).</summary>
public sealed record QualityThresholds
{
    /// <summary>Lowest acceptable mean cosine similarity to the fp32 outputs.</summary>
    public double MinCosineSimilarity { get; init; } = 0.99;

    /// <summary>Highest acceptable fraction of inputs whose top-1 differs from fp32 (applies to class-score outputs).</summary>
    public double MaxTop1Disagreement { get; init; } = 0.02;
}

/// <summary>How <see cref="ModelProfiler"/> measures.</summary>
public sealed record ProfileOptions
{
    /// <summary>Precisions to measure; fp32 is always measured as the reference.</summary>
    public IReadOnlyList<ModelPrecision> Precisions { get; init; } = [ModelPrecision.Fp32, ModelPrecision.Fp16, ModelPrecision.Int8, ModelPrecision.Int4];

    public QualityThresholds Thresholds { get; init; } = new();

    public QuantizationOptions Quantization { get; init; } = new();

    /// <summary>Calibration inputs: a JSON file (array of {inputName: nested numbers}) or, for single-input models, an NPY file whose first axis is the sample. Null: synthesise.</summary>
    public string? CalibrationPath { get; init; }

    /// <summary>Vocabulary (one token a line) used to find [CLS]/[SEP] when synthesising text inputs.</summary>
    public string? VocabularyPath { get; init; }

    /// <summary>Synthetic calibration items.</summary>
    public int Samples { get; init; } = 32;

    public int Seed { get; init; } = 42;

    /// <summary>Length of symbolic sequence dimensions for synthetic inputs and FLOP counting.</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Measure CPU throughput and latency (false: quality and size only).</summary>
    public bool MeasureSpeed { get; init; } = true;

    /// <summary>Wall-clock time spent timing each (precision, batch) pair.</summary>
    public TimeSpan MeasureTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Threads ONNX Runtime may use (reported as vCpus); default: all processors.</summary>
    public int? VCpus { get; init; }

    /// <summary>Profile a batch-dynamic copy when the model has a fixed batch of 1 that can be made symbolic.</summary>
    public bool MakeBatchDynamic { get; init; } = true;

    /// <summary>Keep the candidate models here (as &lt;name&gt;.&lt;precision&gt;.onnx); null: a temporary folder deleted afterwards.</summary>
    public string? OutputDirectory { get; init; }
}

/// <summary>A model input as the planner sees it.</summary>
public sealed record ProfileInput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);

/// <summary>Measured quality against fp32, size and CPU speed at one precision.</summary>
public sealed record PrecisionProfile
{
    [JsonPropertyName("precision")]
    public required ModelPrecision Precision { get; init; }

    [JsonPropertyName("cosineMean")]
    public required double CosineMean { get; init; }

    [JsonPropertyName("cosineMin")]
    public required double CosineMin { get; init; }

    [JsonPropertyName("relativeL2")]
    public required double RelativeL2 { get; init; }

    [JsonPropertyName("maxAbsError")]
    public required double MaxAbsError { get; init; }

    /// <summary>Fraction of items whose argmax matches fp32; null unless the output is one score vector per item.</summary>
    [JsonPropertyName("top1Agreement")]
    public double? Top1Agreement { get; init; }

    [JsonPropertyName("fileBytes")]
    public required long FileBytes { get; init; }

    /// <summary>Inferences per second at batch 1 (0 when speed was not measured).</summary>
    [JsonPropertyName("throughputBatch1")]
    public double ThroughputBatch1 { get; init; }

    /// <summary>Inferences per second at batch 8; null when the model cannot batch or speed was not measured.</summary>
    [JsonPropertyName("throughputBatch8")]
    public double? ThroughputBatch8 { get; init; }

    [JsonPropertyName("latencyP50Batch1Ms")]
    public double LatencyP50Batch1Ms { get; init; }

    [JsonPropertyName("vCpus")]
    public required int VCpus { get; init; }

    /// <summary>Meets the quality thresholds the profile was run with.</summary>
    [JsonPropertyName("passed")]
    public required bool Passed { get; init; }

    /// <summary>The candidate model measured (not serialised: a local path means nothing to the planner).</summary>
    [JsonIgnore]
    public string? ModelPath { get; init; }

    /// <summary>What the quantizer did (not serialised).</summary>
    [JsonIgnore]
    public QuantizationReport? Quantization { get; init; }
}

/// <summary>A precision that could not be produced, and why.</summary>
public sealed record UnavailablePrecision(
    [property: JsonPropertyName("precision")] ModelPrecision Precision,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>Per-precision weight bytes in the planner's shape.</summary>
public sealed record ProfileWeightBytes(
    [property: JsonPropertyName("fp32")] long Fp32,
    [property: JsonPropertyName("fp16")] long Fp16,
    [property: JsonPropertyName("int8")] long Int8,
    [property: JsonPropertyName("int4")] long Int4);

/// <summary>The <c>modelProfile</c> the planner consumes: analysis figures plus measured quality and speed per precision.</summary>
public sealed record ModelProfile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    [JsonPropertyName("parameters")]
    public required long Parameters { get; init; }

    /// <summary>FLOPs for one item at <see cref="SequenceLength"/>.</summary>
    [JsonPropertyName("flopsPerInference")]
    public required double FlopsPerInference { get; init; }

    [JsonPropertyName("sequenceLength")]
    public int? SequenceLength { get; init; }

    [JsonPropertyName("opset")]
    public required long Opset { get; init; }

    [JsonPropertyName("inputs")]
    public required IReadOnlyList<ProfileInput> Inputs { get; init; }

    [JsonPropertyName("weightBytes")]
    public required ProfileWeightBytes WeightBytes { get; init; }

    [JsonPropertyName("precisions")]
    public required IReadOnlyList<PrecisionProfile> Precisions { get; init; }

    [JsonPropertyName("unavailable")]
    public IReadOnlyList<UnavailablePrecision>? Unavailable { get; init; }

    /// <summary>CPU the speed figures come from.</summary>
    [JsonPropertyName("measuredOn")]
    public string? MeasuredOn { get; init; }

    /// <summary>Precisions that meet the thresholds, fp32 first.</summary>
    [JsonIgnore]
    public IReadOnlyList<ModelPrecision> Passing => [.. Precisions.Where(p => p.Passed).Select(p => p.Precision)];

    public PrecisionProfile? For(ModelPrecision precision) => Precisions.FirstOrDefault(p => p.Precision == precision);

    /// <summary>Compact JSON (well under 4 KB).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelProfile FromJson(string json) =>
        JsonSerializer.Deserialize<ModelProfile>(json, Json) ?? throw new JsonException("empty model profile");
}
