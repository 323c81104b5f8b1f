using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using InferenceOperator.Models.Quantization;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models;

/// <summary>
/// Writes fp16, int8 or int4 versions of an fp32 ONNX model (the work behind <c>inferctl model quantize</c>).
/// The input is never overwritten, the output appears atomically (no partial file on failure), and results are cached
/// by (model SHA-256, precision, options) so a repeated request is a copy.
/// </summary>
public sealed class ModelQuantizer
{
    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = false };
    private readonly string cacheDirectory;

    /// <param name="cacheDirectory">Where quantized models are cached; default ~/.cache/inferenceoperator/quantized.</param>
    public ModelQuantizer(string? cacheDirectory = null)
    {
        this.cacheDirectory = cacheDirectory ?? DefaultCacheDirectory();
    }

    /// <summary>The int8 weight format <see cref="Int8WeightFormat.Auto"/> resolves to on this CPU.</summary>
    public static Int8WeightFormat ResolveInt8Format(Int8WeightFormat requested) =>
        requested != Int8WeightFormat.Auto ? requested
        : AvxVnni.IsSupported || Avx10v1.IsSupported ? Int8WeightFormat.Int8
        : Int8WeightFormat.Uint8;

    /// <summary>
    /// Quantizes <paramref name="inputPath"/> to <paramref name="precision"/> at <paramref name="outputPath"/>.
    /// Throws <see cref="ModelException"/> when the input is unusable, the output would overwrite it, nothing in the model
    /// can be quantized to that precision, or ONNX Runtime cannot load the result.
    /// </summary>
    public QuantizationReport Quantize(
        string inputPath,
        string outputPath,
        ModelPrecision precision,
        QuantizationOptions? options = null,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new QuantizationOptions();
        ModelFiles.EnsureDistinct(inputPath, outputPath);
        var model = OnnxFile.Load(inputPath);
        var sha = ModelAnalyzer.Sha256Of(inputPath);
        var inputBytes = new FileInfo(inputPath).Length;
        var format = precision == ModelPrecision.Int8 ? ResolveInt8Format(options.Int8Weights) : (Int8WeightFormat?)null;
        var key = $"{sha}-{precision.ToString().ToLowerInvariant()}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(options.CacheKey() + format)))[..16]}";
        var cachedModel = Path.Combine(cacheDirectory, key + ".onnx");
        var cachedReport = Path.Combine(cacheDirectory, key + ".json");

        if (precision == ModelPrecision.Fp32)
        {
            OnnxFile.WriteAtomically(outputPath, stream => { using var source = File.OpenRead(inputPath); source.CopyTo(stream); });
            progress?.Report(1);
            return new QuantizationReport
            {
                InputPath = inputPath, OutputPath = outputPath, InputSha256 = sha, Precision = precision, InputBytes = inputBytes,
                OutputBytes = inputBytes, QuantizedNodes = [], LeftInFp32 = [], Scheme = "fp32: unchanged copy",
            };
        }

        if (TryFromCache(cachedModel, cachedReport, inputPath, outputPath) is { } hit)
        {
            progress?.Report(1);
            return hit;
        }

        OnnxFile.InlineExternalData(inputPath, model);
        GraphRewriter rewriter;
        string scheme;
        try
        {
            (rewriter, scheme) = precision switch
            {
                ModelPrecision.Fp16 => (new Fp16Converter(model, options).Run(progress, cancellationToken),
                    options.Fp16FullGraph ? "fp16: full graph in fp16, casts at fp32 inputs and outputs" : "fp16: weights stored fp16, cast to fp32 at load"),
                ModelPrecision.Int8 => (new Int8Quantizer(model, options, format!.Value, WeightOnlyNodes(model, options)).Run(progress, cancellationToken), Int8Scheme(format!.Value, options)),
                ModelPrecision.Int4 => (new Int4Quantizer(model, options).Run(progress, cancellationToken),
                    $"int4: MatMulNBits weight-only, block {options.Int4BlockSize}, asymmetric with 4-bit zero points, accuracy_level {options.Int4AccuracyLevel}"
                    + (options.QuantizeEmbeddings ? "; Gather tables GatherBlockQuantized" : "")),
                _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
            };
        }
        catch (InvalidOperationException e)
        {
            throw new ModelException(inputPath, e.Message, e);
        }

        if (rewriter.Quantized.Count == 0)
        {
            var what = precision switch
            {
                ModelPrecision.Fp16 => "no fp32 weights to convert to fp16",
                ModelPrecision.Int4 => "nothing to quantize to int4 (no MatMul with a constant fp32 weight, no large Gather table)",
                _ => "nothing to quantize to int8 (no MatMul, Gemm or Conv with a constant fp32 weight, no large Gather table)",
            };
            throw new ModelException(inputPath, what);
        }

        model.ProducerName = "InferenceOperator.Models";
        model.ProducerVersion = typeof(ModelQuantizer).Assembly.GetName().Version?.ToString() ?? "";
        SetMetadata(model, "inferenceoperator.precision", precision.ToString().ToLowerInvariant());
        SetMetadata(model, "inferenceoperator.source_sha256", sha);
        SetMetadata(model, "inferenceoperator.scheme", scheme);
        var bytes = model.ToByteArrayChecked();
        EnsureLoads(inputPath, bytes, precision);

        var report = new QuantizationReport
        {
            InputPath = inputPath,
            OutputPath = outputPath,
            InputSha256 = sha,
            Precision = precision,
            InputBytes = inputBytes,
            OutputBytes = bytes.Length,
            QuantizedNodes = rewriter.Quantized,
            LeftInFp32 = rewriter.Skipped,
            Int8Weights = format,
            Scheme = scheme,
        };

        OnnxFile.WriteAtomically(outputPath, stream => stream.Write(bytes));
        TryStore(cachedModel, cachedReport, bytes, report);
        progress?.Report(1);
        return report;
    }

    /// <summary>MatMuls named by the options plus those whose activations quantize badly (see <see cref="ActivationProbe"/>).</summary>
    private static HashSet<string> WeightOnlyNodes(ModelProto model, QuantizationOptions options)
    {
        var nodes = options.Int8WeightOnlyNodes.ToHashSet(StringComparer.Ordinal);
        if (options.Int8MinActivationSqnrDb > 0)
        {
            var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var matMuls = model.Graph.Node.Where(n => n.OpType == "MatMul" && n.Domain is "" or "ai.onnx" && n.Input.Count == 2 && initializers.Contains(n.Input[1]));
            foreach (var (node, sqnr) in ActivationProbe.MatMulSqnr(model, matMuls))
            {
                if (sqnr < options.Int8MinActivationSqnrDb)
                {
                    nodes.Add(node);
                }
            }
        }

        return nodes;
    }

    private static string Int8Scheme(Int8WeightFormat format, QuantizationOptions options)
    {
        var weights = format switch
        {
            Int8WeightFormat.Uint8 => "uint8 weights (zero point 128)",
            Int8WeightFormat.Int8ReduceRange => "7-bit signed weights (reduce range)",
            _ => "signed int8 weights",
        };
        return $"int8: dynamic, MatMul/Gemm {weights} with per-column scales (DynamicQuantizeLinear + MatMulInteger); "
            + $"MatMuls whose activation SQNR is below {options.Int8MinActivationSqnrDb} dB weight-only uint8 per-column asymmetric (fp32 compute); "
            + (options.Int8Conv == Int8ConvMode.WeightOnly ? $"Conv weight-only uint8 per-channel asymmetric (fp32 compute), convs with reduction depth below {options.Int8MinConvReductionDepth} fp32" : "Conv uint8 per-channel (ConvInteger, BatchNormalization folded)")
            + (options.QuantizeEmbeddings ? "; Gather tables uint8 per-column + DequantizeLinear" : "");
    }

    /// <summary>The result must load in ONNX Runtime; a model that does not is never written.</summary>
    private static void EnsureLoads(string inputPath, byte[] bytes, ModelPrecision precision)
    {
        try
        {
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            throw new ModelException(inputPath, $"the {precision.ToString().ToLowerInvariant()} model does not load in ONNX Runtime: {message}", e);
        }
    }

    private static void SetMetadata(ModelProto model, string key, string value)
    {
        if (model.MetadataProps.FirstOrDefault(p => p.Key == key) is { } existing)
        {
            existing.Value = value;
        }
        else
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
    }

    private static QuantizationReport? TryFromCache(string cachedModel, string cachedReport, string inputPath, string outputPath)
    {
        if (!File.Exists(cachedModel) || !File.Exists(cachedReport))
        {
            return null;
        }

        QuantizationReport? report;
        try
        {
            report = JsonSerializer.Deserialize<QuantizationReport>(File.ReadAllText(cachedReport), ReportJson);
        }
        catch (JsonException)
        {
            return null;
        }

        if (report is null || new FileInfo(cachedModel).Length != report.OutputBytes)
        {
            return null;
        }

        OnnxFile.WriteAtomically(outputPath, stream => { using var source = File.OpenRead(cachedModel); source.CopyTo(stream); });
        return report with { InputPath = inputPath, OutputPath = outputPath, FromCache = true };
    }

    private static void TryStore(string cachedModel, string cachedReport, byte[] bytes, QuantizationReport report)
    {
        try
        {
            OnnxFile.WriteAtomically(cachedModel, stream => stream.Write(bytes));
            OnnxFile.WriteAtomically(cachedReport, stream => JsonSerializer.Serialize(stream, report, ReportJson));
        }
        catch (IOException)
        {
            // The cache is an optimisation: a read-only or full cache folder must not fail the quantization.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "inferenceoperator", "quantized");
    }
}
