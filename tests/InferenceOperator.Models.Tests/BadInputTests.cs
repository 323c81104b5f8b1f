namespace InferenceOperator.Models.Tests;

public sealed class BadInputTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("models-bad-input-").FullName;
    private readonly string cache;
    private readonly ModelQuantizer quantizer;
    private readonly ModelAnalyzer analyzer = new();

    public BadInputTests()
    {
        cache = Path.Combine(folder, "cache");
        quantizer = new ModelQuantizer(cache);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Should_ThrowOneLineModelException_When_FileIsTruncated()
    {
        var path = Path.Combine(folder, "truncated.onnx");
        var whole = TinyModelBytes();
        File.WriteAllBytes(path, whole[..(whole.Length - 7)]);

        var error = Assert.Throws<ModelException>(() => quantizer.Quantize(path, Path.Combine(folder, "out.onnx"), ModelPrecision.Int8));

        AssertOneLineNaming(error, path, "not a valid ONNX file");
        AssertNoOutputLeft();
    }

    [Fact]
    public void Should_ThrowModelException_When_FileIsNotOnnx()
    {
        var path = Path.Combine(folder, "notes.onnx");
        File.WriteAllText(path, "this is a text file, not a model\n");

        var error = Assert.Throws<ModelException>(() => analyzer.Analyze(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Should_ThrowModelException_When_OpsetIsUnsupported()
    {
        var path = Path.Combine(folder, "opset99.onnx");
        TinyModels.Save(TinyModels.MatMul(opset: 99), path);

        var error = Assert.Throws<ModelException>(() => quantizer.Quantize(path, Path.Combine(folder, "out.onnx"), ModelPrecision.Fp16));

        AssertOneLineNaming(error, path, "unsupported opset 99");
        AssertNoOutputLeft();
    }

    [Fact]
    public void Should_ThrowModelException_When_ExternalDataFileIsMissing()
    {
        var path = Path.Combine(folder, "external.onnx");
        TinyModels.Save(TinyModels.MatMul(externalWeight: true), path);

        var error = Assert.Throws<ModelException>(() => quantizer.Quantize(path, Path.Combine(folder, "out.onnx"), ModelPrecision.Int4));

        AssertOneLineNaming(error, path, "external data file 'weights.bin'");
        AssertNoOutputLeft();
    }

    [Fact]
    public void Should_QuantizeExternalDataModel_When_DataFileIsPresent()
    {
        var path = Path.Combine(folder, "external.onnx");
        TinyModels.Save(TinyModels.MatMul(externalWeight: true), path);
        float[] weights = [0.5f, -0.25f, 1f, 0.75f, 0.1f, -0.6f, -1f, 0.3f, 0.2f, 0.05f, 0.9f, -0.4f];
        File.WriteAllBytes(Path.Combine(folder, "weights.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
        var output = Path.Combine(folder, "out.onnx");

        var report = quantizer.Quantize(path, output, ModelPrecision.Int8);

        Assert.Equal(["MatMul_h"], report.QuantizedNodes);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(output);
    }

    [Theory]
    [InlineData(ModelPrecision.Int8)]
    [InlineData(ModelPrecision.Int4)]
    public void Should_ThrowModelException_When_NothingCanBeQuantized(ModelPrecision precision)
    {
        var path = Path.Combine(folder, "add.onnx");
        TinyModels.Save(TinyModels.AddOnly(), path);

        var error = Assert.Throws<ModelException>(() => quantizer.Quantize(path, Path.Combine(folder, "out.onnx"), precision));

        AssertOneLineNaming(error, path, "nothing to quantize");
        AssertNoOutputLeft();
    }

    [Fact]
    public void Should_RefuseAndKeepInput_When_OutputIsTheInput()
    {
        var path = Path.Combine(folder, "model.onnx");
        TinyModels.Save(TinyModels.MatMul(), path);
        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<ModelException>(() => quantizer.Quantize(path, path, ModelPrecision.Int8));

        Assert.Contains("never overwritten", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Should_RefuseBatchConversion_When_ReshapeBakesBatchOne()
    {
        var path = Path.Combine(folder, "reshape.onnx");
        TinyModels.Save(TinyModels.ReshapeBakesBatch(), path);

        var error = Assert.Throws<ModelException>(() => analyzer.MakeBatchDynamic(path, Path.Combine(folder, "out.onnx")));

        AssertOneLineNaming(error, path, "bakes batch 1");
        Assert.Equal(error.Reason, analyzer.Analyze(path).BatchBlocker);
        AssertNoOutputLeft();
    }

    private static byte[] TinyModelBytes()
    {
        using var stream = new MemoryStream();
        Google.Protobuf.MessageExtensions.WriteTo(TinyModels.MatMul(), stream);
        return stream.ToArray();
    }

    private static void AssertOneLineNaming(ModelException error, string path, string reason)
    {
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private void AssertNoOutputLeft()
    {
        Assert.False(File.Exists(Path.Combine(folder, "out.onnx")));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.partial", SearchOption.AllDirectories));
        Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFiles(cache) : []);
    }
}
