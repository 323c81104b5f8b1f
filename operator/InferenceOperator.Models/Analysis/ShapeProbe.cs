using System.Collections.Frozen;
using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using InferenceOperator.Models.Profiling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models.Analysis;

/// <summary>
/// Learns the shapes MatMul, Gemm and Conv see by running the model once in ONNX Runtime with their operands exposed as
/// extra graph outputs, then counts their FLOPs. Running the real runtime is exact for every op ONNX Runtime supports,
/// which a hand-written shape inference would have to re-implement.
/// </summary>
internal static class ShapeProbe
{
    private static readonly FrozenSet<string> Counted = new[] { "MatMul", "Gemm", "Conv" }.ToFrozenSet(StringComparer.Ordinal);

    public static double? CountFlops(ModelProto original, int batch, int sequenceLength)
    {
        var model = original.Clone();
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => Counted.Contains(n.OpType) && n.Domain is "" or "ai.onnx"))
        {
            foreach (var name in node.Input.Take(2).Append(node.Output[0]))
            {
                if (index.ConstantOf(name) is null)
                {
                    wanted.Add(name);
                }
            }
        }

        if (wanted.Count == 0)
        {
            return 0;
        }

        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var existing = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in wanted.Where(n => !existing.Contains(n) && !graphInputs.Contains(n)))
        {
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        var synthesizer = new InputSynthesizer(original, vocabularyPath: null);
        var probeBatch = synthesizer.IsBatchable ? batch : 1;
        var items = Enumerable.Range(0, probeBatch).Select(i => synthesizer.Item(seed: 1, i, sequenceLength)).ToList();
        var feeds = synthesizer.InputNames.Select((_, k) => InputTensor.Concat([.. items.Select(item => item[k])])).ToList();

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var feed in feeds)
        {
            shapes[feed.Name] = feed.Shape;
        }

        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(model.ToByteArrayChecked(), options);
            var outputNames = wanted.Where(n => !graphInputs.Contains(n)).ToList();
            var inputValues = feeds.Select(f => f.ToOrtValue()).ToList();
            try
            {
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, [.. feeds.Select(f => f.Name)], inputValues, outputNames);
                for (var i = 0; i < outputNames.Count; i++)
                {
                    shapes[outputNames[i]] = results[i].GetTensorTypeAndShape().Shape;
                }
            }
            finally
            {
                inputValues.ForEach(v => v.Dispose());
            }
        }
        catch (OnnxRuntimeException)
        {
            return null;
        }

        double flops = 0;
        foreach (var node in graph.Node.Where(n => Counted.Contains(n.OpType) && n.Domain is "" or "ai.onnx"))
        {
            long[]? Shape(string name) => index.ConstantOf(name) is { } constant ? [.. constant.Dims] : shapes.GetValueOrDefault(name);
            var output = Shape(node.Output[0]);
            if (output is null)
            {
                return null;
            }

            var outputElements = TensorData.ElementCount(output);
            switch (node.OpType)
            {
                case "MatMul":
                    {
                        var a = Shape(node.Input[0]);
                        if (a is null)
                        {
                            return null;
                        }

                        flops += 2.0 * outputElements * a[^1];
                        break;
                    }

                case "Gemm":
                    {
                        var a = Shape(node.Input[0]);
                        if (a is null)
                        {
                            return null;
                        }

                        var transA = Nodes.GetInt(node, "transA") == 1;
                        flops += 2.0 * outputElements * (transA ? a[0] : a[^1]);
                        break;
                    }

                default:
                    {
                        var w = Shape(node.Input[1]);
                        if (w is null)
                        {
                            return null;
                        }

                        flops += 2.0 * outputElements * TensorData.ElementCount(w.Skip(1));
                        break;
                    }
            }
        }

        return synthesizer.IsBatchable ? flops : flops * batch;
    }
}
