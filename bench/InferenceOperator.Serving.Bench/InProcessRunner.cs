using System.Diagnostics;
using InferenceOperator.Serving.Client;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Serving.Bench;

/// <summary>One measured stretch of back-to-back in-process runs at one batch size.</summary>
internal sealed record Slice(int Batch, int Runs, double Seconds, double[] Latencies)
{
    public double ItemsPerSecond => Runs * Batch / Seconds;
}

/// <summary>
/// Runs the model directly with ONNX Runtime — the server's own session settings and thread count, inputs already in
/// native memory, one caller — so it is the limit the server is measured against.
/// </summary>
internal sealed class InProcessRunner : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions run = new();
    private readonly Func<int, OipTensor[]> inputs;
    private readonly string[] outputs;
    private readonly Dictionary<int, (string[] Names, OrtValue[] Values)> prepared = [];

    public InProcessRunner(string modelPath, Func<int, OipTensor[]> inputs, string output)
    {
        using var options = OnnxModel.CreateSessionOptions(CpuLimit.Detect());
        session = new InferenceSession(modelPath, options);
        this.inputs = inputs;
        outputs = [output];
    }

    /// <summary>Runs batch after batch for <paramref name="duration"/> (and at least <paramref name="minRuns"/> runs).</summary>
    public Slice Measure(int batch, TimeSpan duration, int minRuns = 2)
    {
        var (names, values) = Prepare(batch);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration || latencies.Count < minRuns)
        {
            var start = clock.Elapsed;
            using var _ = session.Run(run, names, values, outputs);
            latencies.Add((clock.Elapsed - start).TotalSeconds);
        }

        return new Slice(batch, latencies.Count, clock.Elapsed.TotalSeconds, [.. latencies]);
    }

    private (string[] Names, OrtValue[] Values) Prepare(int batch)
    {
        if (prepared.TryGetValue(batch, out var ready))
        {
            return ready;
        }

        var tensors = inputs(batch);
        var values = tensors.Select(t =>
        {
            var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OipClient.ToEngine(t).DataType.ToOrt(), t.Shape);
            t.Data.CopyTo(value.GetTensorMutableRawData());
            return value;
        }).ToArray();
        ready = (tensors.Select(t => t.Name).ToArray(), values);
        prepared[batch] = ready;
        // The first run of a new shape allocates and plans: keep it out of every measurement.
        using var _ = session.Run(run, ready.Names, ready.Values, outputs);
        return ready;
    }

    public void Dispose()
    {
        foreach (var value in prepared.Values.SelectMany(p => p.Values))
        {
            value.Dispose();
        }

        run.Dispose();
        session.Dispose();
    }
}
