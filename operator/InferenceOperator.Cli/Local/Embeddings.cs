using InferenceOperator.Serving.Client;

namespace InferenceOperator.Cli.Local;

/// <summary>Sentence embeddings through an OIP v2 MiniLM endpoint: tokenize, infer, mean-pool over the attention mask, normalise.</summary>
internal sealed class Embeddings(OipClient client, string model, WordPieceTokenizer tokenizer)
{
    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> sentences, CancellationToken cancellationToken)
    {
        var encoded = sentences.Select(s => tokenizer.Encode(s)).ToList();
        var length = encoded.Max(e => e.Count);
        var ids = new long[sentences.Count * length];
        var mask = new long[sentences.Count * length];
        for (var row = 0; row < encoded.Count; row++)
        {
            for (var column = 0; column < length; column++)
            {
                var inside = column < encoded[row].Count;
                ids[(row * length) + column] = inside ? encoded[row][column] : tokenizer.Padding;
                mask[(row * length) + column] = inside ? 1 : 0;
            }
        }

        long[] shape = [sentences.Count, length];
        var result = await client.InferAsync(model,
        [
            OipTensor.FromInt64("input_ids", shape, ids),
            OipTensor.FromInt64("attention_mask", shape, mask),
            OipTensor.FromInt64("token_type_ids", shape, new long[ids.Length]),
        ], new OipInferOptions { Outputs = ["last_hidden_state"], Binary = true }, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new CliException($"the engine answered {result.StatusCode}: {result.Error}");
        }

        var hidden = result.Output("last_hidden_state");
        var values = hidden.AsSingles();
        var width = (int)hidden.Shape[2];
        var vectors = new float[sentences.Count][];
        for (var row = 0; row < sentences.Count; row++)
        {
            var vector = new float[width];
            var tokens = 0;
            for (var column = 0; column < length; column++)
            {
                if (mask[(row * length) + column] == 0)
                {
                    continue;
                }

                tokens++;
                var offset = ((row * length) + column) * width;
                for (var k = 0; k < width; k++)
                {
                    vector[k] += values[offset + k];
                }
            }

            var norm = 0.0;
            for (var k = 0; k < width; k++)
            {
                vector[k] /= tokens;
                norm += vector[k] * vector[k];
            }

            var scale = (float)(1 / Math.Sqrt(norm));
            for (var k = 0; k < width; k++)
            {
                vector[k] *= scale;
            }

            vectors[row] = vector;
        }

        return vectors;
    }

    public static double Cosine(float[] a, float[] b)
    {
        var dot = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
        }

        return dot;
    }
}
