using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Serving.Tests;

/// <summary>Unbatched in-process ONNX Runtime runs: the ground truth server outputs are compared against.</summary>
internal static class Reference
{
    private static readonly Lazy<InferenceSession> MiniLm = new(() => new InferenceSession(TestServer.MiniLmPath));
    private static readonly Lock Gate = new();

    /// <summary>The pooled embedding (output "924") of one sequence, run alone at batch 1.</summary>
    public static float[] MiniLmEmbedding(long[] tokens)
    {
        long[] shape = [1, tokens.Length];
        using var ids = OrtValue.CreateTensorValueFromMemory((long[])tokens.Clone(), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, tokens.Length).ToArray(), shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[tokens.Length], shape);
        lock (Gate)
        {
            using var results = MiniLm.Value.Run(new RunOptions(), ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types], ["924"]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
    }

    public static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
            }
        }
    }
}
