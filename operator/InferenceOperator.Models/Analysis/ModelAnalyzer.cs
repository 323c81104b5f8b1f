using System.Collections.Frozen;
using System.Security.Cryptography;
using InferenceOperator.Models.Analysis;
using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceOperator.Models;

/// <summary>Reads an ONNX model and reports its interface, size and work (the data behind <c>inferctl model inspect</c>).</summary>
public sealed class ModelAnalyzer
{
    /// <summary>Ops that bake a concrete batch size into the graph when they take a constant shape.</summary>
    private static readonly FrozenSet<string> ShapeTakingOps = new[] { "Reshape", "Expand", "ConstantOfShape", "Tile", "Resize", "Upsample" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Analyses <paramref name="modelPath"/>; throws <see cref="ModelException"/> for files that are not usable ONNX models.</summary>
    public ModelAnalysis Analyze(string modelPath, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SequenceLength, 1);
        var model = OnnxFile.Load(modelPath);
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var inputs = graph.Input.Where(i => !index.Initializers.ContainsKey(i.Name)).Select(Spec).ToList();
        var outputs = graph.Output.Select(Spec).ToList();
        var constants = graph.Node.Where(n => n.OpType == "Constant")
            .Select(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T).OfType<TensorProto>().ToList();
        var parameters = graph.Initializer.Sum(TensorData.ElementCount) + constants.Sum(TensorData.ElementCount);
        var hasSequence = inputs.Any(i => i.Shape.Skip(1).Any(d => d < 0));

        double? flops = null;
        if (options.ComputeFlops && !graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            flops = ShapeProbe.CountFlops(model, options.BatchSize, options.SequenceLength);
        }

        var histogram = graph.Node
            .GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : n.Domain + "." + n.OpType, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

        var isDynamic = inputs.Count > 0 && inputs.All(i => i.Shape.Count > 0 && i.Shape[0] < 0);
        return new ModelAnalysis
        {
            Path = modelPath,
            Sha256 = Sha256Of(modelPath),
            FileBytes = new FileInfo(modelPath).Length,
            IrVersion = model.IrVersion,
            Opset = OnnxFile.DefaultOpset(model),
            OpsetImports = model.OpsetImport.GroupBy(o => o.Domain == "ai.onnx" ? "" : o.Domain, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Max(o => o.Version), StringComparer.Ordinal),
            Inputs = inputs,
            Outputs = outputs,
            Parameters = parameters,
            BatchSize = options.BatchSize,
            SequenceLength = hasSequence ? options.SequenceLength : null,
            Flops = flops,
            WeightBytes = EstimateWeightBytes(index, constants),
            OpHistogram = histogram,
            IsBatchDynamic = isDynamic,
            BatchBlocker = isDynamic ? null : BatchBlocker(model, index),
        };
    }

    /// <summary>
    /// Writes a copy of a fixed batch-1 model whose inputs and outputs take a symbolic batch dimension, so a server can
    /// batch requests. Refuses (with <see cref="ModelException"/>) when the graph bakes the batch size into a constant
    /// shape (a Reshape to [1, ...], for instance). Never overwrites the input; the output appears atomically.
    /// </summary>
    public BatchConversion MakeBatchDynamic(string inputPath, string outputPath, string batchDimName = "batch")
    {
        ModelFiles.EnsureDistinct(inputPath, outputPath);
        var model = OnnxFile.Load(inputPath);
        OnnxFile.InlineExternalData(inputPath, model);
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var inputs = graph.Input.Where(i => !index.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count > 0 && inputs.All(i => FirstDim(i) is { ValueCase: TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam }))
        {
            OnnxFile.SaveAtomically(model, outputPath);
            return new BatchConversion(outputPath, Changed: false, [], []);
        }

        if (BatchBlocker(model, index) is { } blocker)
        {
            throw new ModelException(inputPath, blocker);
        }

        var changedInputs = new List<string>();
        foreach (var input in inputs)
        {
            if (FirstDim(input) is { } dim)
            {
                dim.DimParam = batchDimName;
                changedInputs.Add(input.Name);
            }
        }

        var changedOutputs = new List<string>();
        foreach (var output in graph.Output)
        {
            if (FirstDim(output) is { } dim)
            {
                dim.DimParam = batchDimName;
                changedOutputs.Add(output.Name);
            }
        }

        // Intermediate shapes recorded for batch 1 would now be wrong: let the runtime infer them again.
        graph.ValueInfo.Clear();
        OnnxFile.SaveAtomically(model, outputPath);
        return new BatchConversion(outputPath, Changed: true, changedInputs, changedOutputs);
    }

    internal static string? BatchBlocker(ModelProto model, GraphIndex index)
    {
        var graph = model.Graph;
        var inputs = graph.Input.Where(i => !index.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count == 0)
        {
            return "the graph has no inputs to batch";
        }

        foreach (var input in inputs)
        {
            var dim = FirstDim(input);
            if (dim is null)
            {
                return $"input '{input.Name}' has no shape to batch along";
            }

            if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue != 1)
            {
                return $"input '{input.Name}' has a fixed batch of {dim.DimValue}, not 1";
            }
        }

        foreach (var node in graph.Node)
        {
            if (ShapeTakingOps.Contains(node.OpType) && node.Input.Count > 1 && index.ConstantOf(node.Input[1]) is { } shape
                && TensorData.ReadInt64s(shape) is [1, ..])
            {
                return $"{node.OpType} node '{node.Name}' bakes batch 1 into a constant shape";
            }

            if (node.OpType == "Reshape" && node.Attribute.Any(a => a.Name == "shape") && Nodes.GetInts(node, "shape") is [1, ..])
            {
                return $"Reshape node '{node.Name}' bakes batch 1 into its shape attribute";
            }

            if (node.OpType == "Flatten" && Nodes.GetInt(node, "axis") == 0)
            {
                return $"Flatten node '{node.Name}' with axis 0 folds the batch into the features";
            }

            if (node.OpType is "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "Softmax" or "LogSoftmax" or "Concat" or "Split" or "Gather" or "Transpose"
                && AxisTouchesBatch(node))
            {
                return $"{node.OpType} node '{node.Name}' works across the batch axis";
            }
        }

        return null;
    }

    private static bool AxisTouchesBatch(NodeProto node)
    {
        if (node.OpType == "Transpose")
        {
            return Nodes.GetInts(node, "perm") is { Count: > 0 } perm && perm[0] != 0;
        }

        if (node.OpType is "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin")
        {
            var axes = Nodes.GetInts(node, "axes");
            return axes is not null && axes.Contains(0);
        }

        // Softmax/LogSoftmax before opset 13 default to axis 1; the others default to axis 0 only for Concat/Split/Gather on
        // data fed straight from inputs, which we cannot tell apart cheaply: only an explicit axis 0 counts.
        return node.Attribute.FirstOrDefault(a => a.Name == "axis") is { I: 0 };
    }

    private static TensorShapeProto.Types.Dimension? FirstDim(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape?.Dim is { Count: > 0 } dims ? dims[0] : null;

    private static TensorSpec Spec(ValueInfoProto value)
    {
        var tensorType = value.Type?.TensorType;
        var dims = tensorType?.Shape?.Dim ?? [];
        return new TensorSpec(
            value.Name,
            Datatype(tensorType?.ElemType ?? 0),
            [.. dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1)],
            [.. dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null)]);
    }

    /// <summary>Open Inference Protocol datatype name for an ONNX element type.</summary>
    internal static string Datatype(int elemType) => (TensorProto.Types.DataType)elemType switch
    {
        TensorProto.Types.DataType.Float => "FP32",
        TensorProto.Types.DataType.Float16 => "FP16",
        TensorProto.Types.DataType.Double => "FP64",
        TensorProto.Types.DataType.Int8 => "INT8",
        TensorProto.Types.DataType.Int16 => "INT16",
        TensorProto.Types.DataType.Int32 => "INT32",
        TensorProto.Types.DataType.Int64 => "INT64",
        TensorProto.Types.DataType.Uint8 => "UINT8",
        TensorProto.Types.DataType.Uint16 => "UINT16",
        TensorProto.Types.DataType.Uint32 => "UINT32",
        TensorProto.Types.DataType.Uint64 => "UINT64",
        TensorProto.Types.DataType.Bool => "BOOL",
        TensorProto.Types.DataType.String => "BYTES",
        _ => "BYTES",
    };

    internal static TensorElementType ElementType(int elemType) => (TensorProto.Types.DataType)elemType switch
    {
        TensorProto.Types.DataType.Float => TensorElementType.Float,
        TensorProto.Types.DataType.Float16 => TensorElementType.Float16,
        TensorProto.Types.DataType.Int32 => TensorElementType.Int32,
        TensorProto.Types.DataType.Int64 => TensorElementType.Int64,
        _ => TensorElementType.Float,
    };

    internal static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Bytes at each precision, following what ModelQuantizer does to each kind of weight.</summary>
    private static WeightBytes EstimateWeightBytes(GraphIndex index, IReadOnlyList<TensorProto> constants)
    {
        var roles = WeightRoles.Classify(index);
        long fp32 = 0, fp16 = 0, int8 = 0, int4 = 0;
        foreach (var tensor in index.Initializers.Values.Concat(constants))
        {
            var bytes = TensorData.ByteSize(tensor);
            if (!TensorData.IsFloat(tensor))
            {
                fp32 += bytes;
                fp16 += bytes;
                int8 += bytes;
                int4 += bytes;
                continue;
            }

            var count = TensorData.ElementCount(tensor);
            fp32 += bytes;
            fp16 += count * 2;
            var role = tensor.Name is { Length: > 0 } name ? roles.GetValueOrDefault(name) : WeightRole.Other;
            var columns = tensor.Dims.Count == 2 ? tensor.Dims[1] : 1;
            var rows = tensor.Dims.Count == 2 ? tensor.Dims[0] : 1;
            switch (role)
            {
                case WeightRole.MatMulWeight or WeightRole.GemmWeight:
                    int8 += count + (columns * 4);
                    int4 += role == WeightRole.MatMulWeight ? (count / 2) + (columns * ((rows + 31) / 32) * 4) : bytes;
                    break;
                case WeightRole.ConvWeight:
                    int8 += count + (tensor.Dims[0] * 4);
                    int4 += bytes;
                    break;
                case WeightRole.EmbeddingTable:
                    int8 += count + (columns * 5);
                    int4 += (count / 2) + (rows * ((columns + 31) / 32) * 4);
                    break;
                default:
                    int8 += bytes;
                    int4 += bytes;
                    break;
            }
        }

        return new WeightBytes(fp32, fp16, int8, int4);
    }
}
