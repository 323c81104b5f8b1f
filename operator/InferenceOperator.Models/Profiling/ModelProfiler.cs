using System.Diagnostics;
using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Profiling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models;

/// <summary>
/// The accuracy gate (<c>inferctl model profile</c>): runs the fp32 model and each candidate precision on the same
/// calibration set, compares their outputs, measures file size and CPU speed, and says which precisions pass.
/// Quality figures are deterministic for a fixed seed; speed figures are measurements.
/// </summary>
public sealed class ModelProfiler(ModelAnalyzer analyzer, ModelQuantizer quantizer)
{
    public ModelProfiler()
        : this(new ModelAnalyzer(), new ModelQuantizer())
    {
    }

    public ModelProfile Profile(string modelPath, ProfileOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProfileOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Samples, 1);
        var vCpus = options.VCpus ?? Environment.ProcessorCount;
        var analysis = analyzer.Analyze(modelPath, new AnalysisOptions { SequenceLength = options.SequenceLength });
        var keep = options.OutputDirectory is not null;
        var work = options.OutputDirectory ?? Directory.CreateTempSubdirectory("inferenceoperator-profile-").FullName;
        try
        {
            Directory.CreateDirectory(work);
            var stem = Path.GetFileNameWithoutExtension(modelPath);
            var reference = modelPath;
            if (!analysis.IsBatchDynamic && analysis.BatchBlocker is null && options.MakeBatchDynamic)
            {
                reference = Path.Combine(work, stem + ".fp32.onnx");
                analyzer.MakeBatchDynamic(modelPath, reference);
            }

            var model = OnnxFile.Load(reference);
            var synthesizer = new InputSynthesizer(model, options.VocabularyPath);
            var items = options.CalibrationPath is { } calibration
                ? CalibrationSet.Load(calibration, [.. model.Graph.Input.Where(i => synthesizer.InputNames.Contains(i.Name))
                    .Select(i => (i.Name, ModelAnalyzer.ElementType(i.Type.TensorType.ElemType), i.Type.TensorType.Shape.Dim.Count))])
                : [.. Enumerable.Range(0, options.Samples).Select(i => synthesizer.Item(options.Seed, i, options.SequenceLength))];
            var outputName = model.Graph.Output[0].Name;
            var batchable = synthesizer.IsBatchable && items.Select(i => string.Join(",", i.SelectMany(t => t.Shape))).Distinct().Count() == 1;

            var precisions = options.Precisions.Where(p => p != ModelPrecision.Fp32).Distinct().Prepend(ModelPrecision.Fp32).ToList();
            var steps = precisions.Count;
            var results = new List<PrecisionProfile>();
            var unavailable = new List<UnavailablePrecision>();
            float[][]? referenceOutputs = null;
            for (var step = 0; step < steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var precision = precisions[step];
                var path = reference;
                QuantizationReport? report = null;
                if (precision != ModelPrecision.Fp32)
                {
                    path = Path.Combine(work, $"{stem}.{precision.ToString().ToLowerInvariant()}.onnx");
                    try
                    {
                        report = quantizer.Quantize(reference, path, precision, options.Quantization, cancellationToken: cancellationToken);
                    }
                    catch (ModelException e)
                    {
                        unavailable.Add(new UnavailablePrecision(precision, e.Reason));
                        progress?.Report((step + 1) / (double)steps);
                        continue;
                    }
                }

                using var session = Session(path, vCpus);
                var runs = items.Select(item => RunShaped(session, item, outputName)).ToArray();
                var outputs = runs.Select(r => r.Values).ToArray();
                referenceOutputs ??= outputs;
                var quality = Compare(referenceOutputs, outputs, runs[0].Shape, items);
                var speed = options.MeasureSpeed ? Measure(session, items, outputName, batchable, options.MeasureTime, cancellationToken) : default;
                var passed = precision == ModelPrecision.Fp32
                    || (quality.CosineMean >= options.Thresholds.MinCosineSimilarity
                        && (quality.Top1 is null || 1 - quality.Top1 <= options.Thresholds.MaxTop1Disagreement + 1e-9));
                results.Add(new PrecisionProfile
                {
                    Precision = precision,
                    CosineMean = Round(quality.CosineMean),
                    CosineMin = Round(quality.CosineMin),
                    RelativeL2 = Round(quality.RelativeL2),
                    MaxAbsError = Round(quality.MaxAbs),
                    Top1Agreement = quality.Top1 is { } top1 ? Round(top1) : null,
                    FileBytes = new FileInfo(path).Length,
                    ThroughputBatch1 = Math.Round(speed.Throughput1, 2),
                    ThroughputBatch8 = speed.Throughput8 is { } t8 ? Math.Round(t8, 2) : null,
                    LatencyP50Batch1Ms = Math.Round(speed.P50Ms, 3),
                    VCpus = vCpus,
                    Passed = passed,
                    ModelPath = keep ? path : null,
                    Quantization = report,
                });
                progress?.Report((step + 1) / (double)steps);
            }

            return new ModelProfile
            {
                Sha256 = analysis.Sha256,
                Parameters = analysis.Parameters,
                FlopsPerInference = analysis.FlopsPerItem ?? 0,
                SequenceLength = analysis.SequenceLength,
                Opset = analysis.Opset,
                Inputs = [.. analysis.Inputs.Select(i => new ProfileInput(i.Name, i.Datatype, i.Shape))],
                WeightBytes = new ProfileWeightBytes(analysis.WeightBytes.Fp32, analysis.WeightBytes.Fp16, analysis.WeightBytes.Int8, analysis.WeightBytes.Int4),
                Precisions = results,
                Unavailable = unavailable.Count > 0 ? unavailable : null,
                MeasuredOn = options.MeasureSpeed ? CpuName() : null,
            };
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    internal static InferenceSession Session(string path, int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException(path, $"ONNX Runtime cannot load the model: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        finally
        {
            options.Dispose();
        }
    }

    internal static float[] Run(InferenceSession session, IReadOnlyList<InputTensor> inputs, string outputName) =>
        RunShaped(session, inputs, outputName).Values;

    internal static (float[] Values, long[] Shape) RunShaped(InferenceSession session, IReadOnlyList<InputTensor> inputs, string outputName)
    {
        var values = inputs.Select(i => i.ToOrtValue()).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [.. inputs.Select(i => i.Name)], values, [outputName]);
            var output = results[0];
            var info = output.GetTensorTypeAndShape();
            float[] data = info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16
                ? [.. output.GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h)]
                : output.GetTensorDataAsSpan<float>().ToArray();
            return (data, info.Shape);
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    internal readonly record struct Quality(double CosineMean, double CosineMin, double RelativeL2, double MaxAbs, double? Top1);

    /// <summary>
    /// Per item: cosine and relative L2 of the flattened first output (for [1, sequence, ...] outputs of models with an
    /// attention mask, over the unmasked positions only: padding positions carry no meaning). Top-1 agreement when each
    /// item's output is one score vector.
    /// </summary>
    internal static Quality Compare(float[][] reference, float[][] candidate, long[] itemShape, IReadOnlyList<IReadOnlyList<InputTensor>> items)
    {
        double cosineSum = 0, cosineMin = double.MaxValue, l2Sum = 0, maxAbs = 0;
        int agree = 0;
        var scoreVectors = itemShape.Count(d => d > 1) == 1;
        for (var n = 0; n < reference.Length; n++)
        {
            var r = reference[n];
            var c = candidate[n];
            var mask = items[n].FirstOrDefault(t => t.Name.Contains("mask", StringComparison.OrdinalIgnoreCase) && t.Longs is not null && t.Shape.Length == 2
                && itemShape.Length >= 3 && itemShape[1] == t.Shape[1]);
            var positions = mask is null ? 1 : (int)mask.Shape[1];
            var width = r.Length / positions;
            double dot = 0, rr = 0, cc = 0, diff = 0;
            for (var p = 0; p < positions; p++)
            {
                if (mask is not null && mask.Longs![p] == 0)
                {
                    continue;
                }

                for (var i = p * width; i < (p + 1) * width; i++)
                {
                    dot += (double)r[i] * c[i];
                    rr += (double)r[i] * r[i];
                    cc += (double)c[i] * c[i];
                    var d = (double)r[i] - c[i];
                    diff += d * d;
                    maxAbs = Math.Max(maxAbs, Math.Abs(d));
                }
            }

            var cosine = rr == 0 && cc == 0 ? 1 : dot / Math.Sqrt(rr * cc);
            cosineSum += cosine;
            cosineMin = Math.Min(cosineMin, cosine);
            l2Sum += rr == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / rr);
            agree += ArgMax(r) == ArgMax(c) ? 1 : 0;
        }

        var count = reference.Length;
        return new Quality(cosineSum / count, cosineMin, l2Sum / count, maxAbs, scoreVectors ? agree / (double)count : null);
    }

    private readonly record struct Speed(double Throughput1, double P50Ms, double? Throughput8);

    private static Speed Measure(InferenceSession session, IReadOnlyList<IReadOnlyList<InputTensor>> items, string outputName, bool batchable, TimeSpan budget, CancellationToken cancellationToken)
    {
        Run(session, items[0], outputName);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while ((clock.Elapsed < budget || latencies.Count < 5) && latencies.Count < 10_000)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            Run(session, items[latencies.Count % items.Count], outputName);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        latencies.Sort();
        var p50 = latencies[latencies.Count / 2];
        var throughput1 = latencies.Count / latencies.Sum() * 1000;
        double? throughput8 = null;
        if (batchable)
        {
            var batch = Enumerable.Range(0, 8).Select(i => items[i % items.Count]).ToList();
            var inputs = batch[0].Select((_, k) => InputTensor.Concat([.. batch.Select(item => item[k])])).ToList();
            Run(session, inputs, outputName);
            var runs = 0;
            clock.Restart();
            while (clock.Elapsed < budget || runs < 3)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Run(session, inputs, outputName);
                runs++;
            }

            throughput8 = runs * 8 / clock.Elapsed.TotalSeconds;
        }

        return new Speed(throughput1, p50, throughput8);
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static double Round(double value) => Math.Round(value, 6);

    private static string CpuName()
    {
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            return line is null ? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
