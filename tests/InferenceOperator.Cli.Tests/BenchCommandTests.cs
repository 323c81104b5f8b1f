using System.Diagnostics;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Client;
using Xunit;

namespace InferenceOperator.Cli.Tests;

/// <summary>`inferctl bench` as a user runs it, against a real inference-server process.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Should_PrintALevelPerConcurrencyWithPercentiles_When_PointedAtAServer()
    {
        var http = FreePorts.Next();
        using var server = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "inference-server.dll"), "--model", new SampleModelCatalog().MiniLm().ModelPath, "--model-name", "minilm",
                "--listen", "127.0.0.1", "--http-port", $"{http}", "--grpc-port", $"{FreePorts.Next()}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _ = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        try
        {
            var url = $"http://127.0.0.1:{http}/";
            using var client = new OipClient(new Uri(url));
            for (var i = 0; i < 3000 && !await client.IsServerReadyAsync(); i++)
            {
                await Task.Delay(10);
            }

            var (code, output) = Inferctl.Run("bench", "--url", url, "--model", "minilm", "--concurrency", "1,2", "--duration", "1500ms", "--shape", "1,8", "--binary");

            Assert.True(code == 0, output);
            foreach (var column in new[] { "concurrency", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors" })
            {
                Assert.Contains(column, output, StringComparison.Ordinal);
            }

            // One table row per level: the concurrency, then positive throughput, and no errors in the last column.
            var rows = output.Split('\n').Select(l => l.Split('│', StringSplitOptions.TrimEntries)).Where(c => c.Length == 8 && int.TryParse(c[1], out _)).ToList();
            Assert.Equal(["1", "2"], rows.Select(r => r[1]));
            Assert.All(rows, r => Assert.True(double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture) > 0, string.Join(" | ", r)));
            Assert.All(rows, r => Assert.Equal("0", r[6]));
        }
        finally
        {
            server.Kill();
        }
    }

    [Theory]
    [InlineData("--duration", "5 minutes", "--duration 5 minutes")]
    [InlineData("--concurrency", "1,0", "--concurrency 1,0")]
    [InlineData("--url", "localhost:8080", "--url localhost:8080")]
    public void Should_ExitWith2NamingTheOption_When_AnOptionIsMalformed(string option, string value, string expected)
    {
        string[] args = ["bench", "--url", "http://127.0.0.1:9/", "--model", "m"];
        var index = Array.IndexOf(args, option);
        args = index >= 0 ? [.. args[..index], option, value, .. args[(index + 2)..]] : [.. args, option, value];

        var (code, output) = Inferctl.Run(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
