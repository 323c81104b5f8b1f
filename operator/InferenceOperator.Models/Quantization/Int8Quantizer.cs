using System.Collections.Frozen;
using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using DataType = InferenceOperator.Models.Onnx.TensorProto.Types.DataType;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// Dynamic int8 quantization: constant MatMul/Gemm weights become per-column int8 (DynamicQuantizeLinear + MatMulInteger,
/// which ONNX Runtime fuses into DynamicQuantizeMatMul), Conv weights per-output-channel uint8 (ConvInteger, after folding
/// BatchNormalization), and large Gather tables per-column uint8 followed by DequantizeLinear.
/// </summary>
internal sealed class Int8Quantizer(ModelProto model, QuantizationOptions options, Int8WeightFormat format, IReadOnlySet<string> weightOnly)
{
    private const long DynamicQuantizeOpset = 11;
    private const long PerAxisDequantizeOpset = 13;
    private readonly Dictionary<string, (string Weight, string Scale, string ZeroPoint)> quantizedWeights = new(StringComparer.Ordinal);

    public GraphRewriter Run(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var folded = model.Graph.Node.Any(n => n.OpType == "Conv") ? BatchNormFolding.Fold(model) : 0;
        var rewriter = new GraphRewriter(model);
        var roles = WeightRoles.Classify(rewriter.Index);
        var candidates = model.Graph.Node.Count(n => IsCandidate(rewriter, roles, n) is null);
        if (candidates == 0)
        {
            return rewriter;
        }

        if (model.Graph.Node.Any(n => n.OpType is "MatMul" or "Gemm" or "Conv" && !IsWeightOnly(n) && IsCandidate(rewriter, roles, n) is null))
        {
            EnsureOpset(DynamicQuantizeOpset);
        }
        var perAxisDequantize = OnnxFile.DefaultOpset(model) >= PerAxisDequantizeOpset;
        var done = 0;
        foreach (var node in model.Graph.Node.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reason = IsCandidate(rewriter, roles, node);
            if (reason is not null)
            {
                if (reason.Length > 0)
                {
                    rewriter.Skip(node, reason);
                }

                rewriter.Emit(node);
                continue;
            }

            switch (node.OpType)
            {
                case "MatMul" or "Conv" when IsWeightOnly(node):
                    WeightOnly(rewriter, node, axis: node.OpType == "Conv" ? 0 : 1);
                    break;
                case "MatMul":
                    MatMul(rewriter, node, transposeB: false, alpha: 1f, bias: null);
                    break;
                case "Gemm":
                    Gemm(rewriter, node);
                    break;
                case "Conv":
                    Conv(rewriter, node);
                    break;
                default:
                    Gather(rewriter, node, perAxisDequantize);
                    break;
            }

            rewriter.Quantized.Add(GraphRewriter.NodeLabel(node));
            progress?.Report(++done / (double)candidates);
        }

        if (folded > 0)
        {
            rewriter.Quantized.Add($"(folded {folded} BatchNormalization nodes into their Conv)");
        }

        rewriter.Commit();
        return rewriter;
    }

    /// <summary>null: quantize; "": not a weight-bearing op (no report line); otherwise why it stays fp32.</summary>
    private string? IsCandidate(GraphRewriter rewriter, Dictionary<string, WeightRole> roles, NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("MatMul" or "Gemm" or "Conv" or "Gather"))
        {
            return "";
        }

        var label = GraphRewriter.NodeLabel(node);
        if (options.ExcludeNodes.Contains(label))
        {
            return "excluded by option";
        }

        if (node.OpType == "Gather")
        {
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
        }

        var weight = node.Input.Count > 1 ? rewriter.Index.Initializers.GetValueOrDefault(node.Input[1]) : null;
        if (weight is null)
        {
            return "no constant weight (both operands are activations)";
        }

        if (!TensorData.IsFloat(weight))
        {
            return "weight is not fp32";
        }

        var role = roles.GetValueOrDefault(weight.Name);
        if (node.OpType == "Conv" && role == WeightRole.ConvWeight && TensorData.ElementCount(weight.Dims.Skip(1)) is var depth && depth < options.Int8MinConvReductionDepth)
        {
            return $"reduction depth {depth} < {options.Int8MinConvReductionDepth}: too few terms per output to average out int8 error";
        }

        return (node.OpType, role) switch
        {
            ("MatMul", WeightRole.MatMulWeight) => null,
            ("Gemm", WeightRole.GemmWeight) when node.Input.Count < 3 || rewriter.Index.Initializers.ContainsKey(node.Input[2]) => null,
            ("Gemm", _) => "Gemm with transposed A, a non-constant C or a shared weight",
            ("Conv", WeightRole.ConvWeight) when node.Input.Count < 3 || rewriter.Index.Initializers.ContainsKey(node.Input[2]) => null,
            _ => "weight is not a 2-D (MatMul) or 4-D (Conv) constant used only here",
        };
    }

    private bool IsWeightOnly(NodeProto node) =>
        (node.OpType == "Conv" && options.Int8Conv == Int8ConvMode.WeightOnly) || weightOnly.Contains(GraphRewriter.NodeLabel(node));

    /// <summary>
    /// Weight-only int8: the weight is stored uint8 with a per-channel scale and zero point (asymmetric: every code is
    /// used even when a channel's weights are skewed) and expanded to fp32 by constant Cast/Sub/Mul nodes; the node
    /// itself computes in fp32 (ONNX Runtime folds the expansion at load), so only storage shrinks.
    /// </summary>
    private void WeightOnly(GraphRewriter rewriter, NodeProto node, int axis)
    {
        var tensor = rewriter.Index.Initializers[node.Input[1]];
        var channels = (int)tensor.Dims[axis];
        var values = TensorData.ReadFloats(tensor);
        var perChannel = values.Length / channels;
        byte[] q;
        float[] scales;
        byte[] zeros;
        if (axis == 0)
        {
            (q, scales, zeros) = QuantMath.AsymmetricPerColumn(Transpose(values, channels, perChannel), perChannel, channels);
            q = Transpose(q, perChannel, channels);
        }
        else
        {
            (q, scales, zeros) = QuantMath.AsymmetricPerColumn(values, perChannel, channels);
        }

        // Cast/Sub/Mul rather than DequantizeLinear: every input is constant, so ONNX Runtime folds them into an fp32
        // weight when the session starts (it deliberately leaves DequantizeLinear unfolded), costing nothing per run.
        long[] broadcast = axis == 0 ? [channels, .. tensor.Dims.Skip(1).Select(_ => 1L)] : [channels];
        var weight = rewriter.Name(tensor.Name + "_uint8");
        var scale = rewriter.Name(tensor.Name + "_uint8_scale");
        var zero = rewriter.Name(tensor.Name + "_uint8_zero_point");
        rewriter.AddInitializer(TensorData.Bytes(weight, DataType.Uint8, q, [.. tensor.Dims]));
        rewriter.AddInitializer(TensorData.Floats(scale, scales, broadcast));
        rewriter.AddInitializer(TensorData.Floats(zero, [.. zeros.Select(z => (float)z)], broadcast));
        var stem = Stem(node);
        var asFloat = rewriter.Name(tensor.Name + "_uint8_cast");
        rewriter.Emit(Nodes.Make("Cast", rewriter.Name(stem + "_weight_Cast"), [weight], [asFloat], attributes: Nodes.Int("to", (long)DataType.Float)));
        var centred = rewriter.Name(tensor.Name + "_uint8_centred");
        rewriter.Emit(Nodes.Make("Sub", rewriter.Name(stem + "_weight_Sub"), [asFloat, zero], [centred]));
        var dequantized = rewriter.Name(tensor.Name + "_dequantized");
        rewriter.Emit(Nodes.Make("Mul", rewriter.Name(stem + "_weight_Mul"), [centred, scale], [dequantized]));
        var clone = node.Clone();
        clone.Input[1] = dequantized;
        rewriter.Emit(clone);
    }

    private (byte Zero, int MaxLevel, DataType Type) Format() => format switch
    {
        Int8WeightFormat.Uint8 => (128, 127, DataType.Uint8),
        Int8WeightFormat.Int8ReduceRange => (0, 63, DataType.Int8),
        _ => (0, 127, DataType.Int8),
    };

    private void MatMul(GraphRewriter rewriter, NodeProto node, bool transposeB, float alpha, string? bias)
    {
        var stem = Stem(node);
        var (weight, weightScale, weightZero) = QuantizeMatrix(rewriter, node.Input[1], transposeB, alpha);
        var (quantized, scale, zero) = (rewriter.Name(stem + "_quantized"), rewriter.Name(stem + "_scale"), rewriter.Name(stem + "_zero_point"));
        rewriter.Emit(Nodes.Make("DynamicQuantizeLinear", rewriter.Name(stem + "_DynamicQuantizeLinear"), [node.Input[0]], [quantized, scale, zero]));
        var product = rewriter.Name(stem + "_MatMulInteger_output");
        rewriter.Emit(Nodes.Make("MatMulInteger", rewriter.Name(stem + "_MatMulInteger"), [quantized, weight, zero, weightZero], [product]));
        var asFloat = rewriter.Name(stem + "_MatMulInteger_cast");
        rewriter.Emit(Nodes.Make("Cast", rewriter.Name(stem + "_Cast"), [product], [asFloat], attributes: Nodes.Int("to", (long)DataType.Float)));
        var combinedScale = rewriter.Name(stem + "_combined_scale");
        rewriter.Emit(Nodes.Make("Mul", rewriter.Name(stem + "_scales_Mul"), [scale, weightScale], [combinedScale]));
        var output = node.Output[0];
        var scaled = bias is null ? output : rewriter.Name(stem + "_scaled");
        rewriter.Emit(Nodes.Make("Mul", rewriter.Name(stem + "_output_Mul"), [asFloat, combinedScale], [scaled]));
        if (bias is not null)
        {
            rewriter.Emit(Nodes.Make("Add", rewriter.Name(stem + "_bias_Add"), [scaled, bias], [output]));
        }
    }

    private void Gemm(GraphRewriter rewriter, NodeProto node)
    {
        var alpha = Nodes.GetFloat(node, "alpha") ?? 1f;
        var beta = Nodes.GetFloat(node, "beta") ?? 1f;
        string? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var c = rewriter.Index.Initializers[node.Input[2]];
            var values = TensorData.ReadFloats(c);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= beta;
            }

            bias = rewriter.Name(Stem(node) + "_bias");
            rewriter.AddInitializer(TensorData.Floats(bias, values, [.. c.Dims]));
        }

        MatMul(rewriter, node, transposeB: Nodes.GetInt(node, "transB") == 1, alpha, bias);
    }

    private void Conv(GraphRewriter rewriter, NodeProto node)
    {
        var stem = Stem(node);
        var tensor = rewriter.Index.Initializers[node.Input[1]];
        var channels = (int)tensor.Dims[0];
        var values = TensorData.ReadFloats(tensor);
        var perChannel = values.Length / channels;

        // Per output channel, symmetric, stored as uint8 around 128: ConvInteger's CPU kernel takes uint8 weights.
        var (q, scales) = QuantMath.SymmetricPerColumn(Transpose(values, channels, perChannel), perChannel, channels, 127, 128);
        var weight = rewriter.Name(tensor.Name + "_quantized");
        rewriter.AddInitializer(TensorData.Bytes(weight, DataType.Uint8, Transpose(q, perChannel, channels), [.. tensor.Dims]));
        var weightZero = rewriter.Name(tensor.Name + "_zero_point");
        rewriter.AddInitializer(TensorData.Bytes(weightZero, DataType.Uint8, [128]));
        var weightScale = rewriter.Name(tensor.Name + "_scale");
        rewriter.AddInitializer(TensorData.Floats(weightScale, scales, 1, channels, 1, 1));

        var (quantized, scale, zero) = (rewriter.Name(stem + "_quantized"), rewriter.Name(stem + "_scale"), rewriter.Name(stem + "_zero_point"));
        rewriter.Emit(Nodes.Make("DynamicQuantizeLinear", rewriter.Name(stem + "_DynamicQuantizeLinear"), [node.Input[0]], [quantized, scale, zero]));
        var product = rewriter.Name(stem + "_ConvInteger_output");
        var convInteger = Nodes.Make("ConvInteger", rewriter.Name(stem + "_ConvInteger"), [quantized, weight, zero, weightZero], [product]);
        convInteger.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        rewriter.Emit(convInteger);
        var asFloat = rewriter.Name(stem + "_ConvInteger_cast");
        rewriter.Emit(Nodes.Make("Cast", rewriter.Name(stem + "_Cast"), [product], [asFloat], attributes: Nodes.Int("to", (long)DataType.Float)));
        var combinedScale = rewriter.Name(stem + "_combined_scale");
        rewriter.Emit(Nodes.Make("Mul", rewriter.Name(stem + "_scales_Mul"), [scale, weightScale], [combinedScale]));
        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        var scaled = hasBias ? rewriter.Name(stem + "_scaled") : node.Output[0];
        rewriter.Emit(Nodes.Make("Mul", rewriter.Name(stem + "_output_Mul"), [asFloat, combinedScale], [scaled]));
        if (hasBias)
        {
            var biasTensor = rewriter.Index.Initializers[node.Input[2]];
            var bias = rewriter.Name(biasTensor.Name + "_reshaped");
            rewriter.AddInitializer(TensorData.Floats(bias, TensorData.ReadFloats(biasTensor), 1, channels, 1, 1));
            rewriter.Emit(Nodes.Make("Add", rewriter.Name(stem + "_bias_Add"), [scaled, bias], [node.Output[0]]));
        }
    }

    private void Gather(GraphRewriter rewriter, NodeProto node, bool perAxis)
    {
        var stem = Stem(node);
        var tableName = node.Input[0];
        if (!quantizedWeights.TryGetValue(tableName, out var stored))
        {
            var table = rewriter.Index.Initializers[tableName];
            var (rows, columns) = ((int)table.Dims[0], (int)table.Dims[1]);
            var values = TensorData.ReadFloats(table);
            byte[] q;
            float[] scales;
            byte[] zeros;
            if (perAxis)
            {
                (q, scales, zeros) = QuantMath.AsymmetricPerColumn(values, rows, columns);
            }
            else
            {
                (q, scales, zeros) = QuantMath.AsymmetricPerColumn(values, rows * columns, 1);
            }

            stored = (rewriter.Name(tableName + "_quantized"), rewriter.Name(tableName + "_scale"), rewriter.Name(tableName + "_zero_point"));
            rewriter.AddInitializer(TensorData.Bytes(stored.Weight, DataType.Uint8, q, rows, columns));
            rewriter.AddInitializer(perAxis ? TensorData.Floats(stored.Scale, scales, columns) : TensorData.Floats(stored.Scale, scales));
            rewriter.AddInitializer(perAxis ? TensorData.Bytes(stored.ZeroPoint, DataType.Uint8, zeros, columns) : TensorData.Bytes(stored.ZeroPoint, DataType.Uint8, zeros));
            quantizedWeights[tableName] = stored;
        }

        var gathered = rewriter.Name(stem + "_gathered_quantized");
        var gather = Nodes.Make("Gather", node.Name, [stored.Weight, node.Input[1]], [gathered]);
        gather.Attribute.AddRange(node.Attribute.Select(a => a.Clone()));
        rewriter.Emit(gather);
        var dequantize = Nodes.Make("DequantizeLinear", rewriter.Name(stem + "_DequantizeLinear"), [gathered, stored.Scale, stored.ZeroPoint], [node.Output[0]]);
        if (perAxis)
        {
            dequantize.Attribute.Add(Nodes.Int("axis", -1));
        }

        rewriter.Emit(dequantize);
    }

    private (string Weight, string Scale, string ZeroPoint) QuantizeMatrix(GraphRewriter rewriter, string name, bool transpose, float alpha)
    {
        var key = name + (transpose ? "|T" : "") + "|" + alpha.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (quantizedWeights.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var tensor = rewriter.Index.Initializers[name];
        var values = TensorData.ReadFloats(tensor);
        var (k, n) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
        if (transpose)
        {
            values = Transpose(values, k, n);
            (k, n) = (n, k);
        }

        if (alpha != 1f)
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= alpha;
            }
        }

        var (zero, maxLevel, type) = Format();
        var (q, scales) = QuantMath.SymmetricPerColumn(values, k, n, maxLevel, zero);
        var result = (rewriter.Name(name + "_quantized"), rewriter.Name(name + "_scale"), rewriter.Name(name + "_zero_point"));
        rewriter.AddInitializer(TensorData.Bytes(result.Item1, type, q, k, n));
        rewriter.AddInitializer(TensorData.Floats(result.Item2, scales, n));
        rewriter.AddInitializer(TensorData.Bytes(result.Item3, type, [zero]));
        quantizedWeights[key] = result;
        return result;
    }

    private static T[] Transpose<T>(T[] values, int rows, int columns)
    {
        var result = new T[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }

    private static string Stem(NodeProto node) => node.Name.Length > 0 ? node.Name : node.OpType + "_" + node.Output[0];

    /// <summary>Ops whose definition did not change between opset 7 and 11 in a way that matters here.</summary>
    private static readonly FrozenSet<string> UpgradableOps = new[]
    {
        "Conv", "Relu", "LeakyRelu", "Add", "Sub", "Mul", "Div", "Sum", "MaxPool", "AveragePool", "GlobalAveragePool",
        "GlobalMaxPool", "BatchNormalization", "Gemm", "MatMul", "Flatten", "Reshape", "Concat", "Sigmoid", "Tanh",
        "Transpose", "Identity", "Constant", "Gather", "Shape", "LRN",
    }.ToFrozenSet(StringComparer.Ordinal);

    private void EnsureOpset(long minimum)
    {
        var current = OnnxFile.DefaultOpset(model);
        if (current >= minimum)
        {
            return;
        }

        if (model.Graph.Node.FirstOrDefault(n => n.Domain is "" or "ai.onnx" && !UpgradableOps.Contains(n.OpType)) is { } blocker)
        {
            throw new InvalidOperationException(
                $"int8 needs opset {minimum} (DynamicQuantizeLinear) but this opset {current} model uses {blocker.OpType}, which changed since; re-export it at opset {minimum} or later");
        }

        // Moving an old model to opset 11: BatchNormalization lost its 'spatial' attribute in opset 9.
        foreach (var bn in model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            if (bn.Attribute.FirstOrDefault(a => a.Name == "spatial") is { } spatial)
            {
                bn.Attribute.Remove(spatial);
            }
        }

        Nodes.EnsureOpset(model, "", minimum);
        model.IrVersion = Math.Max(model.IrVersion, 7);
    }
}
