using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using InferenceOperator.Models.Profiling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// Measures how well each MatMul's activation survives DynamicQuantizeLinear (per-tensor uint8): runs the fp32 model on
/// a few synthetic items with those activations exposed and computes the signal-to-quantization-noise ratio in dB.
/// Heavy-tailed activations (GELU outputs feeding a transformer's second FFN MatMul) score low.
/// </summary>
internal static class ActivationProbe
{
    public static Dictionary<string, double> MatMulSqnr(ModelProto original, IEnumerable<NodeProto> nodes, int items = 2, int sequenceLength = 128)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        var targets = nodes.ToList();
        if (targets.Count == 0 || original.Graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            return result;
        }

        var model = original.Clone();
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var existing = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var names = targets.Select(n => n.Input[0]).Where(n => !graphInputs.Contains(n)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names.Where(n => !existing.Contains(n)))
        {
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        var synthesizer = new InputSynthesizer(original, vocabularyPath: null);
        var noise = names.ToDictionary(n => n, _ => 0.0, StringComparer.Ordinal);
        var signal = names.ToDictionary(n => n, _ => 0.0, StringComparer.Ordinal);
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(model.ToByteArrayChecked(), options);
            for (var item = 0; item < items; item++)
            {
                var feeds = synthesizer.Item(seed: 17, item, sequenceLength);
                var values = feeds.Select(f => f.ToOrtValue()).ToList();
                try
                {
                    using var runOptions = new RunOptions();
                    using var outputs = session.Run(runOptions, [.. feeds.Select(f => f.Name)], values, names);
                    for (var i = 0; i < names.Count; i++)
                    {
                        var (s, n) = QuantizationNoise(outputs[i].GetTensorDataAsSpan<float>());
                        signal[names[i]] += s;
                        noise[names[i]] += n;
                    }
                }
                finally
                {
                    values.ForEach(v => v.Dispose());
                }
            }
        }
        catch (OnnxRuntimeException)
        {
            return result;
        }

        foreach (var node in targets.Where(n => signal.ContainsKey(n.Input[0])))
        {
            var n = noise[node.Input[0]];
            result[GraphRewriter.NodeLabel(node)] = n == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal[node.Input[0]] / n);
        }

        return result;
    }

    /// <summary>Signal energy and the error energy of DynamicQuantizeLinear's uint8 round trip.</summary>
    private static (double Signal, double Noise) QuantizationNoise(ReadOnlySpan<float> values)
    {
        float min = 0, max = 0;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var scale = (max - min) / 255f;
        if (scale == 0)
        {
            return (0, 0);
        }

        var zero = MathF.Round(-min / scale);
        double signal = 0, noise = 0;
        foreach (var v in values)
        {
            var q = Math.Clamp(MathF.Round(v / scale) + zero, 0, 255);
            var back = (q - zero) * scale;
            signal += (double)v * v;
            noise += (double)(v - back) * (v - back);
        }

        return (signal, noise);
    }
}
