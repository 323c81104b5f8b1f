using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using DataType = InferenceOperator.Models.Onnx.TensorProto.Types.DataType;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// fp16. Weights only (default): every fp32 initializer of 16 or more elements is stored as fp16 and cast back to fp32
/// when the model loads (ONNX Runtime folds the Cast, so CPU speed is unchanged and the file halves). Full graph
/// (for GPUs): all fp32 values become fp16, with casts only at the graph's fp32 inputs and outputs.
/// </summary>
internal sealed class Fp16Converter(ModelProto model, QuantizationOptions options)
{
    private const int MinElements = 16;

    public GraphRewriter Run(IProgress<double>? progress, CancellationToken cancellationToken) =>
        options.Fp16FullGraph ? FullGraph(progress, cancellationToken) : WeightsOnly(progress, cancellationToken);

    private GraphRewriter WeightsOnly(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var rewriter = new GraphRewriter(model);
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var targets = model.Graph.Initializer
            .Where(t => TensorData.IsFloat(t) && TensorData.ElementCount(t) >= MinElements && !graphInputs.Contains(t.Name) && !rewriter.Index.GraphOutputs.Contains(t.Name))
            .ToList();
        if (targets.Count == 0)
        {
            return rewriter;
        }

        var done = 0;
        foreach (var tensor in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var halfName = rewriter.Name(tensor.Name + "_fp16");
            rewriter.AddInitializer(ToHalf(tensor, halfName));
            rewriter.Emit(Nodes.Make("Cast", rewriter.Name(tensor.Name + "_to_fp32"), [halfName], [tensor.Name], attributes: Nodes.Int("to", (long)DataType.Float)));
            rewriter.Quantized.Add(tensor.Name);
            progress?.Report(++done / (double)targets.Count);
        }

        foreach (var tensor in targets)
        {
            model.Graph.Initializer.Remove(tensor);
        }

        foreach (var node in model.Graph.Node)
        {
            rewriter.Emit(node);
        }

        rewriter.Commit();
        return rewriter;
    }

    private GraphRewriter FullGraph(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var graph = model.Graph;
        var rewriter = new GraphRewriter(model);
        var floatInitializers = graph.Initializer.Where(TensorData.IsFloat).ToList();
        if (floatInitializers.Count == 0)
        {
            return rewriter;
        }

        var done = 0;
        foreach (var tensor in floatInitializers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = graph.Initializer.IndexOf(tensor);
            graph.Initializer[index] = ToHalf(tensor, tensor.Name);
            rewriter.Index.Initializers[tensor.Name] = graph.Initializer[index];
            rewriter.Quantized.Add(tensor.Name);
            progress?.Report(++done / (double)floatInitializers.Count);
        }

        foreach (var input in graph.Input.Where(i => i.Type?.TensorType?.ElemType == (int)DataType.Float && !rewriter.Index.Initializers.ContainsKey(i.Name)))
        {
            var half = rewriter.Name(input.Name + "_fp16");
            rewriter.Emit(Nodes.Make("Cast", rewriter.Name(input.Name + "_to_fp16"), [input.Name], [half], attributes: Nodes.Int("to", (long)DataType.Float16)));
            foreach (var node in graph.Node)
            {
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == input.Name)
                    {
                        node.Input[i] = half;
                    }
                }
            }
        }

        var renamedOutputs = new List<(string Half, string Output)>();
        foreach (var output in graph.Output.Where(o => o.Type?.TensorType?.ElemType == (int)DataType.Float))
        {
            var half = rewriter.Name(output.Name + "_fp16");
            foreach (var node in graph.Node)
            {
                for (var i = 0; i < node.Output.Count; i++)
                {
                    if (node.Output[i] == output.Name)
                    {
                        node.Output[i] = half;
                    }
                }

                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == output.Name)
                    {
                        node.Input[i] = half;
                    }
                }
            }

            renamedOutputs.Add((half, output.Name));
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (node.OpType == "Cast" && attribute.Name == "to" && attribute.I == (long)DataType.Float)
                {
                    attribute.I = (long)DataType.Float16;
                }
                else if (attribute.T is { } value && TensorData.IsFloat(value))
                {
                    attribute.T = ToHalf(value, value.Name);
                }
            }

            rewriter.Emit(node);
        }

        foreach (var (half, output) in renamedOutputs)
        {
            rewriter.Emit(Nodes.Make("Cast", rewriter.Name(output + "_to_fp32"), [half], [output], attributes: Nodes.Int("to", (long)DataType.Float)));
        }

        rewriter.Commit();
        return rewriter;
    }

    private static TensorProto ToHalf(TensorProto tensor, string name)
    {
        var values = TensorData.ReadFloats(tensor);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Clamp(values[i], -65504f, 65504f);
        }

        var half = TensorData.Halves(name, values, [.. tensor.Dims]);
        return half;
    }
}
