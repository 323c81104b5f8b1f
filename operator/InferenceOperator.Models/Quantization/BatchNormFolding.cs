using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// Folds BatchNormalization into the Conv that feeds it (W' = W * g / sqrt(v + e), b' = (b - m) * g / sqrt(v + e) + beta),
/// so the convolution quantizes with the scale it really computes at and the BN op disappears.
/// </summary>
internal static class BatchNormFolding
{
    public static int Fold(ModelProto model)
    {
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var folded = 0;
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization" && n.Output.Count == 1).ToList())
        {
            var conv = index.ProducerOf(bn.Input[0]);
            if (conv is not { OpType: "Conv" } || index.ConsumersOf(conv.Output[0]).Count != 1 || index.GraphOutputs.Contains(conv.Output[0])
                || Nodes.GetInt(bn, "spatial") is 0)
            {
                continue;
            }

            var weight = index.Initializers.GetValueOrDefault(conv.Input[1]);
            var parameters = bn.Input.Skip(1).Select(index.Initializers.GetValueOrDefault).ToList();
            if (weight is null || !TensorData.IsFloat(weight) || parameters.Any(p => p is null || !TensorData.IsFloat(p))
                || index.ConsumersOf(weight.Name).Count != 1)
            {
                continue;
            }

            var gamma = TensorData.ReadFloats(parameters[0]!);
            var beta = TensorData.ReadFloats(parameters[1]!);
            var mean = TensorData.ReadFloats(parameters[2]!);
            var variance = TensorData.ReadFloats(parameters[3]!);
            var epsilon = Nodes.GetFloat(bn, "epsilon") ?? 1e-5f;
            var channels = (int)weight.Dims[0];
            var w = TensorData.ReadFloats(weight);
            var perChannel = w.Length / channels;
            float[] bias = conv.Input.Count > 2 && index.Initializers.GetValueOrDefault(conv.Input[2]) is { } b ? TensorData.ReadFloats(b) : new float[channels];
            var newBias = new float[channels];
            for (var c = 0; c < channels; c++)
            {
                var factor = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                for (var i = 0; i < perChannel; i++)
                {
                    w[(c * perChannel) + i] *= factor;
                }

                newBias[c] = ((bias[c] - mean[c]) * factor) + beta[c];
            }

            var weightName = index.UniqueName(weight.Name + "_bnfolded");
            var biasName = index.UniqueName(weight.Name + "_bnbias");
            graph.Initializer.Add(TensorData.Floats(weightName, w, [.. weight.Dims]));
            graph.Initializer.Add(TensorData.Floats(biasName, newBias, channels));
            conv.Input[1] = weightName;
            if (conv.Input.Count > 2)
            {
                conv.Input[2] = biasName;
            }
            else
            {
                conv.Input.Add(biasName);
            }

            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
            folded++;
        }

        if (folded > 0)
        {
            var used = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
            foreach (var tensor in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
            {
                graph.Initializer.Remove(tensor);
                if (graph.Input.FirstOrDefault(i => i.Name == tensor.Name) is { } input)
                {
                    graph.Input.Remove(input);
                }
            }

            graph.ValueInfo.Clear();
        }

        return folded;
    }
}
