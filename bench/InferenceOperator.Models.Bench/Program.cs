using System.Diagnostics;
using System.Globalization;
using InferenceOperator.Models;
using InferenceOperator.Models.Onnx;
using InferenceOperator.Models.Profiling;
using InferenceOperator.SampleModels;

// Model toolkit benchmark: quantizes the two sample models, profiles every precision against fp32 in this run and
// checks the issue's targets as ratios (sizes, quality, int8/fp32 throughput measured interleaved on the same machine).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var work = Directory.CreateTempSubdirectory("inferenceoperator-models-bench-").FullName;
try
{
    var catalog = new SampleModelCatalog();
    var quantizer = new ModelQuantizer(Path.Combine(work, "cache"));
    var profiler = new ModelProfiler(new ModelAnalyzer(), quantizer);
    var vCpus = Environment.ProcessorCount;
    Console.WriteLine($"CPU: {vCpus} vCPUs, int8 weights on this CPU: {ModelQuantizer.ResolveInt8Format(Int8WeightFormat.Auto)}");
    var checks = new List<(string Target, bool Met, string Measured)>();

    var miniLm = catalog.MiniLm();
    var clock = Stopwatch.StartNew();
    var mini = profiler.Profile(miniLm.ModelPath, new ProfileOptions
    {
        Samples = 32,
        SequenceLength = 128,
        VocabularyPath = miniLm.VocabularyPath,
        MeasureTime = TimeSpan.FromSeconds(3),
        OutputDirectory = Path.Combine(work, "minilm"),
    });
    Console.WriteLine($"\nall-MiniLM-L6-v2 (32 synthetic items, sequence 128), profiled in {clock.Elapsed.TotalSeconds:F0} s");
    Print(mini);
    var fp32 = mini.For(ModelPrecision.Fp32)!;
    var int8 = mini.For(ModelPrecision.Int8)!;
    var speedup = InterleavedSpeedup(fp32.ModelPath!, int8.ModelPath!, miniLm.VocabularyPath, vCpus, rounds: 6);
    checks.Add(("MiniLM int8 throughput >= 1.3x fp32 at batch 8", speedup >= 1.3, $"{speedup:F2}x (median of 6 interleaved rounds)"));
    checks.Add(("MiniLM int8 cosine mean >= 0.99", int8.CosineMean >= 0.99, $"{int8.CosineMean:F4}"));
    checks.Add(SizeCheck("MiniLM int8 file <= 0.30x fp32", mini, ModelPrecision.Int8, 0.30));
    checks.Add(SizeCheck("MiniLM int4 file <= 0.20x fp32", mini, ModelPrecision.Int4, 0.20));
    checks.Add(SizeCheck("MiniLM fp16 file <= 0.52x fp32", mini, ModelPrecision.Fp16, 0.52));
    var json = mini.ToJson();
    checks.Add(("modelProfile JSON <= 4 KB", json.Length <= 4096, $"{json.Length} bytes"));
    Console.WriteLine($"\nmodelProfile ({json.Length} bytes):\n{json}");

    var resNet = catalog.ResNet18();
    clock.Restart();
    var res = profiler.Profile(resNet.ModelPath, new ProfileOptions
    {
        Samples = 100,
        Precisions = [ModelPrecision.Fp16, ModelPrecision.Int8],
        MeasureTime = TimeSpan.FromSeconds(3),
        OutputDirectory = Path.Combine(work, "resnet18"),
    });
    Console.WriteLine($"\nResNet18 (100 synthetic images, made batch-dynamic), profiled in {clock.Elapsed.TotalSeconds:F0} s");
    Print(res);
    var resInt8 = res.For(ModelPrecision.Int8)!;
    var resFp32 = res.For(ModelPrecision.Fp32)!;
    checks.Add(("ResNet18 int8 top-1 agreement (512-d feature argmax) >= 0.98", resInt8.Top1Agreement >= 0.98, $"{resInt8.Top1Agreement:F3}"));
    var resSpeedup = InterleavedSpeedup(resFp32.ModelPath!, resInt8.ModelPath!, null, vCpus, rounds: 4);
    checks.Add(("ResNet18 int8 speed (reported, no target)", true, $"{resSpeedup:F2}x fp32 at batch 8 (interleaved); {resInt8.Quantization!.Scheme}"));

    Console.WriteLine("\nTargets:");
    foreach (var (target, met, measured) in checks)
    {
        Console.WriteLine($"  [{(met ? "PASS" : "FAIL")}] {target}: {measured}");
    }

    return checks.All(c => c.Met) ? 0 : 1;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static (string, bool, string) SizeCheck(string target, ModelProfile profile, ModelPrecision precision, double limit)
{
    var ratio = (double)profile.For(precision)!.FileBytes / profile.For(ModelPrecision.Fp32)!.FileBytes;
    return (target, ratio <= limit, $"{ratio:F3}x ({profile.For(precision)!.FileBytes / 1e6:F1} MB)");
}

static void Print(ModelProfile profile)
{
    var fp32 = profile.For(ModelPrecision.Fp32)!;
    Console.WriteLine($"  {"precision",-9} {"size",7} {"cos mean",9} {"cos min",9} {"rel L2",8} {"max abs",8} {"top-1",6} {"b1/s",7} {"b8/s",7} {"p50 ms",8} pass");
    foreach (var p in profile.Precisions)
    {
        Console.WriteLine(
            $"  {p.Precision.ToString().ToLowerInvariant(),-9} {(double)p.FileBytes / fp32.FileBytes,6:F3}x {p.CosineMean,9:F5} {p.CosineMin,9:F5} {p.RelativeL2,8:F4} {p.MaxAbsError,8:F4} "
            + $"{(p.Top1Agreement is { } t ? t.ToString("F3", CultureInfo.InvariantCulture) : "-"),6} {p.ThroughputBatch1,7:F2} {(p.ThroughputBatch8 is { } t8 ? t8.ToString("F2", CultureInfo.InvariantCulture) : "-"),7} {p.LatencyP50Batch1Ms,8:F1} {(p.Passed ? "yes" : "no")}");
        if (p.Quantization is { } report)
        {
            Console.WriteLine($"            {report.Scheme}; {report.QuantizedNodes.Count} nodes quantized, {report.LeftInFp32.Count} left in fp32");
        }
    }

    foreach (var u in profile.Unavailable ?? [])
    {
        Console.WriteLine($"  {u.Precision.ToString().ToLowerInvariant(),-9} unavailable: {u.Reason}");
    }
}

// Alternates fp32 and int8 rounds at batch 8 so both see the same background load; returns the median per-round ratio.
static double InterleavedSpeedup(string baselinePath, string candidatePath, string? vocabulary, int threads, int rounds)
{
    var synthesizer = new InputSynthesizer(ModelProto.Parser.ParseFrom(File.ReadAllBytes(baselinePath)), vocabulary);
    var items = Enumerable.Range(0, 8).Select(i => synthesizer.Item(seed: 3, i, sequenceLength: 128)).ToList();
    var batch = items[0].Select((_, k) => InputTensor.Concat([.. items.Select(item => item[k])])).ToList();
    var output = ModelProto.Parser.ParseFrom(File.ReadAllBytes(baselinePath)).Graph.Output[0].Name;
    using var baseline = ModelProfiler.Session(baselinePath, threads);
    using var candidate = ModelProfiler.Session(candidatePath, threads);
    ModelProfiler.Run(baseline, batch, output);
    ModelProfiler.Run(candidate, batch, output);
    var ratios = new List<double>();
    for (var round = 0; round < rounds; round++)
    {
        var b = Throughput(baseline, batch, output);
        var c = Throughput(candidate, batch, output);
        ratios.Add(c / b);
    }

    ratios.Sort();
    return ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[(ratios.Count / 2) - 1] + ratios[ratios.Count / 2]) / 2;
}

static double Throughput(Microsoft.ML.OnnxRuntime.InferenceSession session, IReadOnlyList<InputTensor> batch, string output)
{
    var runs = 0;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < TimeSpan.FromSeconds(1.5) || runs < 2)
    {
        ModelProfiler.Run(session, batch, output);
        runs++;
    }

    return runs * 8 / clock.Elapsed.TotalSeconds;
}
