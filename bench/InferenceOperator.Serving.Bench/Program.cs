using System.Globalization;
using InferenceOperator.Models;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Bench;
using InferenceOperator.Serving.Client;

// Serving benchmark: in-process ONNX Runtime (the limit) against the server, batching off/on, JSON/binary,
// concurrency 1/8/32, printed as ratios against a baseline measured in the same run — interleaved with every
// server window, so a neighbour that loads this shared machine slows both sides alike. Usage:
//   dotnet run -c Release --project bench/InferenceOperator.Serving.Bench -- [--duration 3] [--warmup 1] [--rounds 3]
//       [--concurrency 1,8,32] [--seq 128] [--max-batch best|N] [--queue-delay-ms planner|N] [--models minilm,resnet18]
//       [--parts server,cache]
var settings = BenchSettings.Parse(args);
var catalog = new SampleModelCatalog();
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
Console.WriteLine($"Serving bench: {Environment.ProcessorCount} CPUs (load average {load} at start), {settings.Rounds} rounds of {settings.Duration.TotalSeconds:F1} s per level (+{settings.Warmup.TotalSeconds:F1} s warm-up), concurrency {string.Join(",", settings.Concurrency)}");
var verdicts = new List<TargetVerdict>();
if (settings.Models.Contains("minilm"))
{
    var model = catalog.MiniLm();
    var seq = settings.Sequence;
    OipTensor[] Inputs(int batch)
    {
        var tokens = Enumerable.Range(0, batch * seq).Select(i => i % seq == 0 ? 101L : i % seq == seq - 1 ? 102L : 1000 + (i * 7919 % 20000)).ToArray();
        long[] shape = [batch, seq];
        return
        [
            OipTensor.FromInt64("input_ids", shape, tokens),
            OipTensor.FromInt64("attention_mask", shape, Enumerable.Repeat(1L, tokens.Length).ToArray()),
            OipTensor.FromInt64("token_type_ids", shape, new long[tokens.Length]),
        ];
    }

    var workload = new Workload("minilm", $"{model.Name}, sequence {seq}, output '924' (pooled embedding)", model.ModelPath, Inputs, "924");
    verdicts.AddRange(await ServingComparison.RunAsync(workload, settings));
}

if (settings.Models.Contains("resnet18"))
{
    var model = catalog.ResNet18();
    // The packaged export fixes batch 1; the model toolkit's batch-dynamic copy is what the init container serves.
    var directory = Directory.CreateTempSubdirectory("serving-bench-");
    try
    {
        var dynamicPath = Path.Combine(directory.FullName, "resnet18-batch.onnx");
        new ModelAnalyzer().MakeBatchDynamic(model.ModelPath, dynamicPath);
        var pixels = Enumerable.Range(0, 3 * 224 * 224).Select(i => (float)((i * 0.618034) % 1.0)).ToArray();
        OipTensor[] Inputs(int batch) =>
            [OipTensor.FromSingle("Input247", [batch, 3, 224, 224], Enumerable.Range(0, batch).SelectMany(_ => pixels).ToArray())];
        var workload = new Workload("resnet18", $"{model.Name} (batch made dynamic), 3x224x224 FP32, output 'Pooling395_Output_0'", dynamicPath, Inputs, "Pooling395_Output_0");
        verdicts.AddRange(await ServingComparison.RunAsync(workload, settings));
    }
    finally
    {
        directory.Delete(recursive: true);
    }
}

Console.WriteLine();
Console.WriteLine("== serving targets ==");
foreach (var verdict in verdicts)
{
    Console.WriteLine(verdict);
}

return 0;

/// <summary>Bench command line.</summary>
internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, int Rounds, int[] Concurrency, int Sequence, int? MaxBatch, double? QueueDelayMs, string[] Models, string[] Parts)
{
    public static BenchSettings Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        double Seconds(string name, string fallback) => double.Parse(Get(name, fallback), CultureInfo.InvariantCulture);
        var maxBatch = Get("max-batch", "best");
        var queueDelay = Get("queue-delay-ms", "planner");
        return new BenchSettings(
            TimeSpan.FromSeconds(Seconds("duration", "3")),
            TimeSpan.FromSeconds(Seconds("warmup", "1")),
            int.Parse(Get("rounds", "3"), CultureInfo.InvariantCulture),
            Get("concurrency", "1,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(),
            int.Parse(Get("seq", "128"), CultureInfo.InvariantCulture),
            maxBatch == "best" ? null : int.Parse(maxBatch, CultureInfo.InvariantCulture),
            queueDelay == "planner" ? null : double.Parse(queueDelay, CultureInfo.InvariantCulture),
            Get("models", "minilm,resnet18").Split(','),
            Get("parts", "server,cache").Split(','));
    }
}
