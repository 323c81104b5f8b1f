using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceOperator.Models.Profiling;

/// <summary>
/// Makes calibration inputs from a model's input specs: token ids within the vocabulary with a realistic attention mask
/// for text, seeded random images (ImageNet-normalised) for vision, seeded noise otherwise.
/// </summary>
internal sealed class InputSynthesizer
{
    private readonly List<(string Name, TensorElementType Type, IReadOnlyList<long> Dims)> inputs = [];
    private readonly Dictionary<string, long> vocabularies = new(StringComparer.Ordinal);
    private readonly long clsId;
    private readonly long sepId;

    public InputSynthesizer(ModelProto model, string? vocabularyPath)
    {
        var index = new GraphIndex(model.Graph);
        foreach (var input in model.Graph.Input.Where(i => !index.Initializers.ContainsKey(i.Name)))
        {
            var tensorType = input.Type?.TensorType;
            var dims = tensorType?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToList() ?? [];
            inputs.Add((input.Name, ModelAnalyzer.ElementType(tensorType?.ElemType ?? 1), dims));
            foreach (var gather in index.ConsumersOf(input.Name).Where(n => n.OpType == "Gather" && n.Input.Count > 1 && n.Input[1] == input.Name))
            {
                if (index.ConstantOf(gather.Input[0]) is { Dims.Count: 2 } table)
                {
                    vocabularies[input.Name] = table.Dims[0];
                }
            }
        }

        (clsId, sepId) = SpecialTokens(vocabularyPath);
    }

    public IReadOnlyList<string> InputNames => [.. inputs.Select(i => i.Name)];

    /// <summary>True when the first dimension of every input is symbolic (the model accepts any batch size).</summary>
    public bool IsBatchable => inputs.Count > 0 && inputs.All(i => i.Dims.Count > 0 && i.Dims[0] < 0);

    /// <summary>One item (batch 1) per seed index; every item has the same shape so items can be concatenated.</summary>
    public IReadOnlyList<InputTensor> Item(int seed, int index, int sequenceLength)
    {
        // Not HashCode.Combine: it is randomised per process, and the same seed must give the same items in every run.
        var random = new Random(unchecked((seed * 1_000_003) + (index * 7919) + 17));
        var textLength = -1;
        var result = new List<InputTensor>(inputs.Count);
        foreach (var (name, type, dims) in inputs)
        {
            var shape = dims.Select((d, i) => d >= 0 ? d : i == 0 ? 1 : sequenceLength).ToArray();
            if (shape.Length > 0)
            {
                shape[0] = 1;
            }

            var count = (int)TensorData.ElementCount(shape);
            if (type is TensorElementType.Float or TensorElementType.Float16)
            {
                var values = shape.Length == 4 && shape[1] is 1 or 3
                    ? Image(random, shape)
                    : [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
                result.Add(new InputTensor(name, type, shape, values, null));
                continue;
            }

            var seq = (int)shape[^1];
            if (textLength < 0)
            {
                // Realistic sentence lengths: between a quarter of the window and all of it.
                textLength = Math.Clamp(random.Next(Math.Max(2, seq / 4), seq + 1), 2, seq);
            }

            var longs = new long[count];
            var upper = name.ToUpperInvariant();
            if (upper.Contains("MASK", StringComparison.Ordinal))
            {
                for (var i = 0; i < count; i++)
                {
                    longs[i] = i % seq < textLength ? 1 : 0;
                }
            }
            else if (vocabularies.TryGetValue(name, out var vocabulary) && vocabulary > 16 && !upper.Contains("TYPE", StringComparison.Ordinal) && !upper.Contains("SEGMENT", StringComparison.Ordinal))
            {
                var low = Math.Min(1000, vocabulary / 10);
                for (var i = 0; i < count; i++)
                {
                    var position = i % seq;
                    longs[i] = position == 0 ? Math.Min(clsId, vocabulary - 1)
                        : position == textLength - 1 ? Math.Min(sepId, vocabulary - 1)
                        : position < textLength ? random.NextInt64(low, vocabulary)
                        : 0;
                }
            }

            result.Add(new InputTensor(name, type, shape, null, longs));
        }

        return result;
    }

    /// <summary>Seeded uniformly random pixels in [0, 1], normalised with the ImageNet mean and deviation for 3-channel inputs.</summary>
    private static float[] Image(Random random, long[] shape)
    {
        var (channels, plane) = ((int)shape[1], (int)(shape[2] * shape[3]));
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];
        var values = new float[channels * plane];
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                var pixel = random.NextSingle();
                values[(c * plane) + i] = channels == 3 ? (pixel - mean[c]) / std[c] : pixel;
            }
        }

        return values;
    }

    private static (long Cls, long Sep) SpecialTokens(string? vocabularyPath)
    {
        long cls = 101, sep = 102;
        if (vocabularyPath is null || !File.Exists(vocabularyPath))
        {
            return (cls, sep);
        }

        long line = 0;
        foreach (var token in File.ReadLines(vocabularyPath))
        {
            if (token == "[CLS]" || token == "<s>")
            {
                cls = line;
            }
            else if (token == "[SEP]" || token == "</s>")
            {
                sep = line;
            }

            line++;
        }

        return (cls, sep);
    }
}
