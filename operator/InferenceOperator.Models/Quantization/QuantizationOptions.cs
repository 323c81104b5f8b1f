using System.Text.Json.Serialization;

namespace InferenceOperator.Models;

/// <summary>How int8 weights are stored. Activations are always quantized at run time to uint8.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Int8WeightFormat>))]
public enum Int8WeightFormat
{
    /// <summary>Signed full range on CPUs with VNNI; elsewhere the format below that avoids saturation.</summary>
    [JsonStringEnumMemberName("auto")] Auto,

    /// <summary>uint8 weights (zero point 128): u8u8 kernels, no intermediate saturation on AVX2.</summary>
    [JsonStringEnumMemberName("uint8")] Uint8,

    /// <summary>Signed 7-bit weights in an int8 container: u8s8 kernels whose pairwise sums cannot saturate on AVX2.</summary>
    [JsonStringEnumMemberName("int8-reduce-range")] Int8ReduceRange,

    /// <summary>Signed full-range int8: accurate only with VNNI (AVX2's vpmaddubsw saturates).</summary>
    [JsonStringEnumMemberName("int8")] Int8,
}

/// <summary>How int8 treats Conv weights.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Int8ConvMode>))]
public enum Int8ConvMode
{
    /// <summary>int8 storage, DequantizeLinear before an fp32 Conv: a quarter of the size, fp32 accuracy and speed.</summary>
    [JsonStringEnumMemberName("weight-only")] WeightOnly,

    /// <summary>DynamicQuantizeLinear + ConvInteger: integer compute, but activations are quantized per tensor.</summary>
    [JsonStringEnumMemberName("dynamic")] Dynamic,
}

/// <summary>Knobs for <see cref="ModelQuantizer"/>; all of them are part of the cache key.</summary>
public sealed record QuantizationOptions
{
    /// <summary>int8: weight storage; <see cref="Int8WeightFormat.Auto"/> picks by CPU features.</summary>
    public Int8WeightFormat Int8Weights { get; init; } = Int8WeightFormat.Auto;

    /// <summary>int8: Conv weights weight-only (default) or dynamically quantized with ConvInteger.</summary>
    public Int8ConvMode Int8Conv { get; init; } = Int8ConvMode.WeightOnly;

    /// <summary>
    /// int8: a MatMul whose activation loses more than this to per-tensor uint8 quantization (signal-to-noise in dB,
    /// measured on synthetic inputs) is quantized weight-only instead of dynamically. 0 disables the probe.
    /// </summary>
    public double Int8MinActivationSqnrDb { get; init; } = 20;

    /// <summary>
    /// int8: a Conv summing fewer input terms per output than this (in-channels/group x kernel area: a network's stem
    /// and its 1x1 shortcut projections) stays fp32; its share of the weights is tiny and its error does not average out.
    /// </summary>
    public int Int8MinConvReductionDepth { get; init; } = 512;

    /// <summary>int8: MatMul nodes (by name) to quantize weight-only instead of dynamically.</summary>
    public IReadOnlyList<string> Int8WeightOnlyNodes { get; init; } = [];

    /// <summary>int8 and int4: quantize Gather tables (word embeddings) of at least 65,536 elements.</summary>
    public bool QuantizeEmbeddings { get; init; } = true;

    /// <summary>fp16: convert the whole graph (inputs and outputs stay fp32) for GPUs, instead of weights only.</summary>
    public bool Fp16FullGraph { get; init; }

    /// <summary>int4: elements per quantization block along K (a power of two, at least 16).</summary>
    public int Int4BlockSize { get; init; } = 32;

    /// <summary>int4: MatMulNBits accuracy_level (4 = int8 compute, fastest on CPUs; 0 = unset, fp32 compute).</summary>
    public int Int4AccuracyLevel { get; init; } = 4;

    /// <summary>Node names never to quantize.</summary>
    public IReadOnlyList<string> ExcludeNodes { get; init; } = [];

    internal string CacheKey() => string.Join(
        ";",
        $"int8={Int8Weights}",
        $"emb={QuantizeEmbeddings}",
        $"conv={Int8Conv}",
        $"sqnr={Int8MinActivationSqnrDb}",
        $"convdepth={Int8MinConvReductionDepth}",
        $"weightonly={string.Join(",", Int8WeightOnlyNodes.Order(StringComparer.Ordinal))}",
        $"fp16full={Fp16FullGraph}",
        $"block={Int4BlockSize}",
        $"acc={Int4AccuracyLevel}",
        $"exclude={string.Join(",", ExcludeNodes.Order(StringComparer.Ordinal))}",
        "v1");
}

/// <summary>A node left in fp32, and why.</summary>
public sealed record SkippedNode(string Name, string OpType, string Reason);

/// <summary>What <see cref="ModelQuantizer.Quantize"/> did.</summary>
public sealed record QuantizationReport
{
    public required string InputPath { get; init; }

    public required string OutputPath { get; init; }

    public required string InputSha256 { get; init; }

    public required ModelPrecision Precision { get; init; }

    public required long InputBytes { get; init; }

    public required long OutputBytes { get; init; }

    /// <summary>Names of the nodes whose weights were quantized (or, for fp16, converted).</summary>
    public required IReadOnlyList<string> QuantizedNodes { get; init; }

    /// <summary>MatMul, Gemm, Conv and Gather nodes left in fp32, with the reason.</summary>
    public required IReadOnlyList<SkippedNode> LeftInFp32 { get; init; }

    /// <summary>int8 only: the weight format actually used (never <see cref="Int8WeightFormat.Auto"/>).</summary>
    public Int8WeightFormat? Int8Weights { get; init; }

    /// <summary>One-line description of the storage, e.g. "int8: uint8 weights, per-column scales; ...".</summary>
    public required string Scheme { get; init; }

    /// <summary>True when the result came from the cache instead of being computed.</summary>
    public bool FromCache { get; init; }

    public double SizeRatio => InputBytes == 0 ? 0 : (double)OutputBytes / InputBytes;
}
