using Google.Protobuf;
using InferenceOperator.Models.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Models.Tests;

public sealed class AnalysisTests(SampleModelsFixture models) : IClassFixture<SampleModelsFixture>
{
    private readonly ModelAnalyzer analyzer = new();

    [Fact]
    public void Should_RoundTripByteForByte_When_MiniLmIsParsedAndWrittenBack()
    {
        var bytes = File.ReadAllBytes(models.MiniLm.ModelPath);

        var written = ModelProto.Parser.ParseFrom(bytes).ToByteArray();

        Assert.Equal(bytes.Length, written.Length);
        Assert.True(bytes.AsSpan().SequenceEqual(written));
    }

    [Fact]
    public void Should_ReportMiniLmInterfaceAndSize_When_Analysed()
    {
        var analysis = analyzer.Analyze(models.MiniLm.ModelPath, new AnalysisOptions { SequenceLength = 128 });

        Assert.Equal(13, analysis.Opset);
        Assert.Equal(7, analysis.IrVersion);
        Assert.InRange(analysis.Parameters, 22_700_000 * 0.99, 22_700_000 * 1.01);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], analysis.Inputs.Select(i => i.Name));
        Assert.All(analysis.Inputs, i =>
        {
            Assert.Equal("INT64", i.Datatype);
            Assert.Equal([-1L, -1L], i.Shape);
            Assert.Equal(["batch", "sequence"], i.DimNames);
        });
        Assert.True(analysis.IsBatchDynamic);
        Assert.Equal(128, analysis.SequenceLength);
        Assert.Equal(64, analysis.Sha256.Length);
        Assert.Equal(48, analysis.OpHistogram.Single(p => p.Key == "MatMul").Value);

        // 6 layers x (4 projections of 384x384 + 2 of 384x1536) x 128 tokens x 2, plus the attention products and the pooler Gemm.
        var projections = 2.0 * 128 * 6 * ((4 * 384 * 384) + (2 * 384 * 1536));
        var attention = 2.0 * 6 * 2 * 128 * 128 * 384;
        var pooler = 2.0 * 384 * 384;
        Assert.NotNull(analysis.Flops);
        Assert.Equal(projections + attention + pooler, analysis.Flops!.Value, tolerance: 1e3);

        Assert.Equal(analysis.WeightBytes.Fp32, analysis.Parameters * 4, tolerance: analysis.Parameters * 0.01);
        Assert.InRange(analysis.WeightBytes.Fp16, analysis.WeightBytes.Fp32 * 0.49, analysis.WeightBytes.Fp32 * 0.51);
        Assert.InRange(analysis.WeightBytes.Int8, analysis.WeightBytes.Fp32 * 0.2, analysis.WeightBytes.Fp32 * 0.3);
        Assert.InRange(analysis.WeightBytes.Int4, analysis.WeightBytes.Fp32 * 0.1, analysis.WeightBytes.Fp32 * 0.2);
    }

    [Fact]
    public void Should_ScaleFlopsWithBatch_When_MiniLmIsAnalysedAtBatch4()
    {
        var one = analyzer.Analyze(models.MiniLm.ModelPath, new AnalysisOptions { SequenceLength = 32 });
        var four = analyzer.Analyze(models.MiniLm.ModelPath, new AnalysisOptions { BatchSize = 4, SequenceLength = 32 });

        Assert.Equal(one.Flops!.Value * 4, four.Flops!.Value, tolerance: 1e2);
        Assert.Equal(one.FlopsPerItem!.Value, four.FlopsPerItem!.Value, tolerance: 1e2);
    }

    [Fact]
    public void Should_ReportResNet18FixedBatchAndConvFlops_When_Analysed()
    {
        var analysis = analyzer.Analyze(models.ResNet18.ModelPath);

        Assert.Equal(8, analysis.Opset);
        Assert.InRange(analysis.Parameters, 15_900_000 * 0.99, 15_900_000 * 1.01);
        var input = Assert.Single(analysis.Inputs);
        Assert.Equal([1L, 3L, 224L, 224L], input.Shape);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal([1L, 512L, 1L, 1L], Assert.Single(analysis.Outputs).Shape);
        Assert.False(analysis.IsBatchDynamic);
        Assert.Null(analysis.BatchBlocker);
        Assert.Null(analysis.SequenceLength);
        Assert.Equal(22, analysis.OpHistogram.Single(p => p.Key == "Conv").Value);

        // This (CNTK-exported) ResNet18 has 22 convolutions: 7x7 stem (118.0M MACs), 4 at 64ch (462.4M),
        // then per stage a 1x1 shortcut and a strided 3x3 plus three (stage 4: five) 3x3 convs: 2,044,772,352 MACs.
        Assert.Equal(2.0 * 2_044_772_352, analysis.Flops!.Value);
    }

    [Fact]
    public void Should_GiveIdenticalPerItemOutputs_When_ResNet18IsMadeBatchDynamicAndRunAtBatch4()
    {
        var output = models.PathFor("resnet18-dynamic.onnx");

        var conversion = analyzer.MakeBatchDynamic(models.ResNet18.ModelPath, output);

        Assert.True(conversion.Changed);
        Assert.True(analyzer.Analyze(output, new AnalysisOptions { ComputeFlops = false }).IsBatchDynamic);
        var random = new Random(42);
        var items = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(output, options);
        var batched = Run(session, [.. items.SelectMany(i => i)], 4);
        Assert.Equal(4 * 512, batched.Length);
        for (var i = 0; i < 4; i++)
        {
            var single = Run(session, items[i], 1);
            var slice = batched.AsSpan(i * 512, 512).ToArray();
            for (var k = 0; k < 512; k++)
            {
                Assert.Equal(single[k], slice[k], tolerance: 1e-4f * Math.Max(1, Math.Abs(single[k])));
            }
        }
    }

    [Fact]
    public void Should_LeaveMiniLmUnchanged_When_AlreadyBatchDynamic()
    {
        var output = models.PathFor("minilm-dynamic.onnx");

        var conversion = analyzer.MakeBatchDynamic(models.MiniLm.ModelPath, output);

        Assert.False(conversion.Changed);
        Assert.True(File.ReadAllBytes(output).AsSpan().SequenceEqual(File.ReadAllBytes(models.MiniLm.ModelPath)));
    }

    private static float[] Run(InferenceSession session, float[] data, int batch)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, 3, 224, 224]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["Input247"], [input], ["Pooling395_Output_0"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
