using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using DataType = InferenceOperator.Models.Onnx.TensorProto.Types.DataType;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// Weight-only 4-bit blockwise quantization: constant MatMul weights become com.microsoft MatMulNBits (asymmetric, one
/// fp32 scale and a 4-bit zero point per block of K), large Gather tables com.microsoft GatherBlockQuantized.
/// </summary>
internal sealed class Int4Quantizer(ModelProto model, QuantizationOptions options)
{
    public GraphRewriter Run(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        if (options.Int4BlockSize < 16 || (options.Int4BlockSize & (options.Int4BlockSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Int4BlockSize, "int4 block size must be a power of two of at least 16");
        }

        var rewriter = new GraphRewriter(model);
        var roles = WeightRoles.Classify(rewriter.Index);
        var candidates = model.Graph.Node.Count(n => Reason(rewriter, roles, n) is null);
        if (candidates == 0)
        {
            return rewriter;
        }

        Nodes.EnsureOpset(model, Nodes.MicrosoftDomain, 1);
        var done = 0;
        foreach (var node in model.Graph.Node.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reason = Reason(rewriter, roles, node);
            if (reason is not null)
            {
                if (reason.Length > 0)
                {
                    rewriter.Skip(node, reason);
                }

                rewriter.Emit(node);
                continue;
            }

            if (node.OpType == "MatMul")
            {
                MatMul(rewriter, node);
            }
            else
            {
                Gather(rewriter, node);
            }

            rewriter.Quantized.Add(GraphRewriter.NodeLabel(node));
            progress?.Report(++done / (double)candidates);
        }

        rewriter.Commit();
        return rewriter;
    }

    private string? Reason(GraphRewriter rewriter, Dictionary<string, WeightRole> roles, NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("MatMul" or "Gemm" or "Conv" or "Gather"))
        {
            return "";
        }

        if (options.ExcludeNodes.Contains(GraphRewriter.NodeLabel(node)))
        {
            return "excluded by option";
        }

        switch (node.OpType)
        {
            case "Gather":
                if (rewriter.Index.ConstantOf(node.Input[0]) is not { } table || !TensorData.IsFloat(table))
                {
                    return "";
                }

                if (!options.QuantizeEmbeddings)
                {
                    return "embedding quantization disabled";
                }

                return roles.GetValueOrDefault(node.Input[0]) == WeightRole.EmbeddingTable
                    ? null
                    : $"table of {TensorData.ElementCount(table)} elements is below {WeightRoles.MinEmbeddingElements} or shared with other uses";
            case "MatMul":
                var weight = rewriter.Index.Initializers.GetValueOrDefault(node.Input[1]);
                return weight is null ? "no constant weight (both operands are activations)"
                    : roles.GetValueOrDefault(weight.Name) == WeightRole.MatMulWeight ? null
                    : "weight is not a 2-D fp32 constant used only by MatMul";
            default:
                return $"int4 is weight-only for MatMul; {node.OpType} stays fp32";
        }
    }

    private void MatMul(GraphRewriter rewriter, NodeProto node)
    {
        var tensor = rewriter.Index.Initializers[node.Input[1]];
        var (k, n) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
        var block = options.Int4BlockSize;
        var blocks = (k + block - 1) / block;
        var blobSize = block / 2;
        var values = TensorData.ReadFloats(tensor);
        var packed = new byte[n * blocks * blobSize];
        var scales = new float[n * blocks];
        var zeroPoints = new byte[n * blocks];
        var column = new float[k];
        for (var col = 0; col < n; col++)
        {
            for (var row = 0; row < k; row++)
            {
                column[row] = values[(row * n) + col];
            }

            QuantMath.Blockwise4Bit(column, block, packed.AsSpan(col * blocks * blobSize, blocks * blobSize), scales.AsSpan(col * blocks, blocks), zeroPoints.AsSpan(col * blocks, blocks));
        }

        // Zero points: 4 bits each, packed per column (a column's count rounds up to whole bytes).
        var zeroBytesPerColumn = (blocks + 1) / 2;
        var packedZeros = new byte[n * zeroBytesPerColumn];
        for (var col = 0; col < n; col++)
        {
            QuantMath.PackNibbles(zeroPoints.AsSpan(col * blocks, blocks)).CopyTo(packedZeros.AsSpan(col * zeroBytesPerColumn));
        }

        var stem = node.Name.Length > 0 ? node.Name : "MatMul_" + node.Output[0];
        var weightName = rewriter.Name(tensor.Name + "_q4");
        var scaleName = rewriter.Name(tensor.Name + "_q4_scales");
        var zeroName = rewriter.Name(tensor.Name + "_q4_zero_points");
        rewriter.AddInitializer(TensorData.Bytes(weightName, DataType.Uint8, packed, n, blocks, blobSize));
        rewriter.AddInitializer(TensorData.Floats(scaleName, scales, n * blocks));
        rewriter.AddInitializer(TensorData.Bytes(zeroName, DataType.Uint8, packedZeros, n * zeroBytesPerColumn));
        var attributes = new List<Onnx.AttributeProto>
        {
            Nodes.Int("K", k), Nodes.Int("N", n), Nodes.Int("bits", 4), Nodes.Int("block_size", block),
        };
        if (options.Int4AccuracyLevel > 0)
        {
            attributes.Add(Nodes.Int("accuracy_level", options.Int4AccuracyLevel));
        }

        rewriter.Emit(Nodes.Make("MatMulNBits", rewriter.Name(stem + "_Q4"), [node.Input[0], weightName, scaleName, zeroName], [node.Output[0]], Nodes.MicrosoftDomain, [.. attributes]));
    }

    private void Gather(GraphRewriter rewriter, NodeProto node)
    {
        var table = rewriter.Index.Initializers[node.Input[0]];
        var (rows, columns) = ((int)table.Dims[0], (int)table.Dims[1]);
        var block = options.Int4BlockSize;
        var blocks = (columns + block - 1) / block;
        var values = TensorData.ReadFloats(table);
        var padded = blocks * block;

        // GatherBlockQuantized with uint8 data: rows of packed nibbles along the quantized (last) axis.
        var packed = new byte[rows * padded / 2];
        var scales = new float[rows * blocks];
        var zeroPoints = new byte[rows * blocks];
        for (var r = 0; r < rows; r++)
        {
            QuantMath.Blockwise4Bit(values.AsSpan(r * columns, columns), block, packed.AsSpan(r * padded / 2, padded / 2), scales.AsSpan(r * blocks, blocks), zeroPoints.AsSpan(r * blocks, blocks));
        }

        if (padded != columns)
        {
            rewriter.Skip(node, $"row width {columns} is not a multiple of the block size {block}");
            rewriter.Emit(node);
            return;
        }

        var zeroBytesPerRow = (blocks + 1) / 2;
        var packedZeros = new byte[rows * zeroBytesPerRow];
        for (var r = 0; r < rows; r++)
        {
            QuantMath.PackNibbles(zeroPoints.AsSpan(r * blocks, blocks)).CopyTo(packedZeros.AsSpan(r * zeroBytesPerRow));
        }

        var dataName = rewriter.Name(table.Name + "_q4");
        var scaleName = rewriter.Name(table.Name + "_q4_scales");
        var zeroName = rewriter.Name(table.Name + "_q4_zero_points");
        rewriter.AddInitializer(TensorData.Bytes(dataName, DataType.Uint8, packed, rows, columns / 2));
        rewriter.AddInitializer(TensorData.Floats(scaleName, scales, rows, blocks));
        rewriter.AddInitializer(TensorData.Bytes(zeroName, DataType.Uint8, packedZeros, rows, zeroBytesPerRow));
        var stem = node.Name.Length > 0 ? node.Name : "Gather_" + node.Output[0];
        rewriter.Emit(Nodes.Make(
            "GatherBlockQuantized",
            rewriter.Name(stem + "_Q4"),
            [dataName, node.Input[1], scaleName, zeroName],
            [node.Output[0]],
            Nodes.MicrosoftDomain,
            Nodes.Int("gather_axis", 0),
            Nodes.Int("quantize_axis", 1),
            Nodes.Int("block_size", block),
            Nodes.Int("bits", 4)));
    }
}
