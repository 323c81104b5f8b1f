using Xunit;

namespace InferenceOperator.Cli.Tests;

/// <summary>inferctl as a user runs it: bad input is one line naming the file or field, exit code 2, never a stack trace.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("inferctl-exit-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("crds")]
    [InlineData("model inspect")]
    [InlineData("model quantize")]
    [InlineData("model profile")]
    [InlineData("model fetch")]
    [InlineData("plan")]
    [InlineData("up")]
    [InlineData("down")]
    [InlineData("demo")]
    [InlineData("bench")]
    [InlineData("report")]
    [InlineData("serve")]
    [InlineData("validate")]
    public void Should_PrintUsage_When_HelpIsAskedForAnyCommand(string command)
    {
        var (code, output) = Inferctl.Run([.. command.Split(' '), "--help"]);

        Assert.True(code == 0, output);
        Assert.Contains("USAGE:", output, StringComparison.Ordinal);
        Assert.Contains("OPTIONS:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ExitWith2AndNameTheFile_When_ModelIsNotOnnx()
    {
        var path = Path.Combine(folder, "notes.onnx");
        File.WriteAllText(path, "this is not a model");

        var (code, output) = Inferctl.Run("model", "inspect", path);

        Assert.Equal(2, code);
        Assert.Contains(path, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ExitWith2AndLeaveNoOutput_When_QuantizingATruncatedModel()
    {
        var path = Path.Combine(folder, "truncated.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0x12]);
        var output = Path.Combine(folder, "out.onnx");

        var (code, text) = Inferctl.Run("model", "quantize", path, "--precision", "int8", "--output", output);

        Assert.Equal(2, code);
        Assert.Contains(path, text, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Should_ExitWith2AndNameTheField_When_ValidatingABadManifest()
    {
        var path = Path.Combine(folder, "bad.yaml");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", "minilm-embeddings.yaml"))
            .Replace("precision: auto", "precision: fp64", StringComparison.Ordinal));

        var (code, output) = Inferctl.Run("validate", "-f", path);

        Assert.Equal(2, code);
        Assert.Contains("spec.precision", output, StringComparison.Ordinal);
        Assert.Contains("fp64", output, StringComparison.Ordinal);
    }
}
