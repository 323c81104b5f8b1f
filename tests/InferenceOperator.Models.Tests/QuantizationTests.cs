using System.Text.Json;
using InferenceOperator.Models.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models.Tests;

public sealed class QuantizationTests(QuantizedModelsFixture fixture) : IClassFixture<QuantizedModelsFixture>
{
    [Theory]
    [InlineData(ModelPrecision.Fp16, "Cast")]
    [InlineData(ModelPrecision.Int8, "MatMulInteger")]
    [InlineData(ModelPrecision.Int4, "com.microsoft.MatMulNBits")]
    public void Should_LoadInOrt_When_MiniLmIsQuantized(ModelPrecision precision, string expectedOp)
    {
        var candidate = fixture.MiniLm.For(precision);

        Assert.NotNull(candidate);
        using (var session = new InferenceSession(candidate.ModelPath!))
        {
            Assert.Equal(["last_hidden_state", "924"], session.OutputMetadata.Keys);
        }

        Assert.Contains(expectedOp, Ops(candidate.ModelPath!));
    }

    [Fact]
    public void Should_MeetSizeAndQualityTargets_When_MiniLmIsQuantizedToInt8()
    {
        var fp32 = fixture.MiniLm.For(ModelPrecision.Fp32)!;
        var int8 = fixture.MiniLm.For(ModelPrecision.Int8)!;

        Assert.True(int8.CosineMean >= 0.99, $"int8 cosine mean {int8.CosineMean}");
        Assert.True(int8.Passed);
        Assert.InRange((double)int8.FileBytes / fp32.FileBytes, 0.1, 0.30);
        Assert.Null(int8.Top1Agreement);

        var report = int8.Quantization!;
        Assert.Equal(ModelPlatformDefault(), report.Int8Weights);
        Assert.Contains("per-column", report.Scheme, StringComparison.Ordinal);

        // The embedding tables are quantized (Gather on a constant + DequantizeLinear) ...
        Assert.Contains("DequantizeLinear", Ops(int8.ModelPath!));
        Assert.Contains(report.QuantizedNodes, n => n.StartsWith("Gather", StringComparison.Ordinal));

        // ... and the attention products, which have no constant weight, are listed as left in fp32.
        Assert.Equal(12, report.LeftInFp32.Count(s => s.OpType == "MatMul" && s.Reason.Contains("no constant weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void Should_MeetSizeTarget_When_MiniLmIsQuantizedToInt4()
    {
        var fp32 = fixture.MiniLm.For(ModelPrecision.Fp32)!;
        var int4 = fixture.MiniLm.For(ModelPrecision.Int4)!;

        Assert.InRange((double)int4.FileBytes / fp32.FileBytes, 0.1, 0.20);
        Assert.Contains("com.microsoft.GatherBlockQuantized", Ops(int4.ModelPath!));
        Assert.True(int4.CosineMean > 0.95, $"int4 cosine mean {int4.CosineMean}");
        Assert.Equal(int4.CosineMean >= 0.99, int4.Passed);
    }

    [Fact]
    public void Should_HalveFileAndKeepOutputs_When_MiniLmIsConvertedToFp16()
    {
        var fp32 = fixture.MiniLm.For(ModelPrecision.Fp32)!;
        var fp16 = fixture.MiniLm.For(ModelPrecision.Fp16)!;

        Assert.InRange((double)fp16.FileBytes / fp32.FileBytes, 0.4, 0.52);
        Assert.True(fp16.CosineMean > 0.9999, $"fp16 cosine mean {fp16.CosineMean}");
        Assert.True(fp16.Passed);
    }

    [Fact]
    public void Should_KeepResNet18Top1_When_QuantizedToInt8()
    {
        var fp32 = fixture.ResNet18.For(ModelPrecision.Fp32)!;
        var int8 = fixture.ResNet18.For(ModelPrecision.Int8)!;

        Assert.True(int8.Top1Agreement >= 0.98, $"top-1 agreement {int8.Top1Agreement}");
        Assert.True(int8.Passed);
        Assert.InRange((double)int8.FileBytes / fp32.FileBytes, 0.1, 0.30);
        Assert.True(fixture.ResNet18.For(ModelPrecision.Fp16)!.Top1Agreement >= 0.98);
        Assert.Contains(int8.Quantization!.LeftInFp32, s => s.OpType == "Conv" && s.Reason.Contains("reduction depth", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_ReportInt4Unavailable_When_ModelHasOnlyConvolutions()
    {
        var unavailable = Assert.Single(fixture.ResNet18.Unavailable!);

        Assert.Equal(ModelPrecision.Int4, unavailable.Precision);
        Assert.Contains("nothing to quantize", unavailable.Reason, StringComparison.Ordinal);
        Assert.Null(fixture.ResNet18.For(ModelPrecision.Int4));
    }

    [Fact]
    public void Should_RunFullFp16Graph_When_GpuOptionIsSet()
    {
        var output = fixture.Models.PathFor("minilm-fp16-full.onnx");

        var report = fixture.Quantizer.Quantize(fixture.Models.MiniLm.ModelPath, output, ModelPrecision.Fp16, new QuantizationOptions { Fp16FullGraph = true });

        Assert.Contains("full graph", report.Scheme, StringComparison.Ordinal);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        Assert.DoesNotContain(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float);
        Assert.Equal(
            model.Graph.Output.Select(o => o.Type.TensorType.ElemType),
            model.Graph.Output.Select(_ => (int)TensorProto.Types.DataType.Float));
        using var session = new InferenceSession(output);
        Assert.Equal(3, session.InputMetadata.Count);
    }

    [Fact]
    public void Should_ServeFromCache_When_SameModelPrecisionAndOptionsAreRequestedAgain()
    {
        var first = fixture.Models.PathFor("resnet-fp16-a.onnx");
        var second = fixture.Models.PathFor("resnet-fp16-b.onnx");
        var progress = new List<double>();

        var computed = fixture.Quantizer.Quantize(fixture.Models.ResNet18.ModelPath, first, ModelPrecision.Fp16, progress: new SynchronousProgress(progress.Add));
        var cached = fixture.Quantizer.Quantize(fixture.Models.ResNet18.ModelPath, second, ModelPrecision.Fp16);

        Assert.True(cached.FromCache);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(computed.OutputBytes, cached.OutputBytes);
        Assert.Equal(1.0, progress[^1]);
        Assert.Equal(progress.Order(), progress);
    }

    [Fact]
    public void Should_SerialiseCompactModelProfile_When_Profiled()
    {
        var json = fixture.MiniLm.ToJson();

        Assert.True(json.Length <= 4096, $"{json.Length} bytes");
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        foreach (var field in new[] { "sha256", "parameters", "flopsPerInference", "sequenceLength", "opset", "inputs", "weightBytes", "precisions" })
        {
            Assert.True(root.TryGetProperty(field, out _), field);
        }

        Assert.Equal(64, root.GetProperty("sequenceLength").GetInt32());
        Assert.Equal("INT64", root.GetProperty("inputs")[0].GetProperty("datatype").GetString());
        var int8 = root.GetProperty("precisions").EnumerateArray().Single(p => p.GetProperty("precision").GetString() == "int8");
        foreach (var field in new[] { "cosineMean", "cosineMin", "relativeL2", "maxAbsError", "fileBytes", "throughputBatch1", "latencyP50Batch1Ms", "vCpus", "passed" })
        {
            Assert.True(int8.TryGetProperty(field, out _), field);
        }

        Assert.Equal(fixture.MiniLm.Precisions, ModelProfile.FromJson(json).Precisions, new QualityComparer());
    }

    [Fact]
    public void Should_GiveIdenticalQuality_When_ProfiledTwiceWithTheSameSeed()
    {
        var profiler = new ModelProfiler(new ModelAnalyzer(), fixture.Quantizer);
        var options = new ProfileOptions { Samples = 3, MeasureSpeed = false, Precisions = [ModelPrecision.Int8], Seed = 7 };

        var first = profiler.Profile(fixture.Models.ResNet18.ModelPath, options);
        var second = profiler.Profile(fixture.Models.ResNet18.ModelPath, options);

        Assert.Equal(first.Precisions, second.Precisions, new QualityComparer());
        Assert.Equal(first.ToJson(), second.ToJson());
    }

    [Fact]
    public void Should_FailTheGate_When_ThresholdIsStricterThanMeasured()
    {
        var path = fixture.Models.PathFor("tiny.onnx");
        TinyModels.Save(TinyModels.MatMul(), path);
        var calibration = fixture.Models.PathFor("calibration.json");
        File.WriteAllText(calibration, """[{"x": [0.1, 0.2, 0.3, 0.4]}, {"x": [[1, -1, 0.5, 2]]}, {"x": [-0.3, 0.9, 0.2, -0.7]}]""");
        var profiler = new ModelProfiler(new ModelAnalyzer(), fixture.Quantizer);

        var lenient = profiler.Profile(path, new ProfileOptions { CalibrationPath = calibration, MeasureSpeed = false, Precisions = [ModelPrecision.Int8] });
        var strict = profiler.Profile(path, new ProfileOptions
        {
            CalibrationPath = calibration,
            MeasureSpeed = false,
            Precisions = [ModelPrecision.Int8],
            Thresholds = new QualityThresholds { MinCosineSimilarity = 1.0000001 },
        });

        Assert.True(lenient.For(ModelPrecision.Int8)!.Passed);
        Assert.False(strict.For(ModelPrecision.Int8)!.Passed);
        Assert.Equal([ModelPrecision.Fp32], strict.Passing);
    }

    private static Int8WeightFormat ModelPlatformDefault() => ModelQuantizer.ResolveInt8Format(Int8WeightFormat.Auto);

    private static HashSet<string> Ops(string path) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node
            .Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : n.Domain + "." + n.OpType).ToHashSet(StringComparer.Ordinal);

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    private sealed class QualityComparer : IEqualityComparer<PrecisionProfile>
    {
        public bool Equals(PrecisionProfile? x, PrecisionProfile? y) =>
            x is not null && y is not null && x.Precision == y.Precision && x.CosineMean == y.CosineMean && x.CosineMin == y.CosineMin
            && x.RelativeL2 == y.RelativeL2 && x.MaxAbsError == y.MaxAbsError && x.Top1Agreement == y.Top1Agreement
            && x.FileBytes == y.FileBytes && x.Passed == y.Passed;

        public int GetHashCode(PrecisionProfile obj) => obj.Precision.GetHashCode();
    }
}
