using System.Diagnostics;
using InferenceOperator.Serving.Client;
using InferenceOperator.Testing;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Serving.Tests;

/// <summary>The real executable: SIGTERM drains accepted requests, then the process exits cleanly; a real fixed-batch model.</summary>
public sealed class ProcessTests
{

    [Fact]
    public async Task Should_FinishQueuedRequestsThenExit_When_Sigterm()
    {
        var model = TinyOnnx.DynamicDouble(TestServer.TempDirectory);
        var http = FreePorts.Next();
        var grpc = FreePorts.Next();
        var server = Path.Combine(AppContext.BaseDirectory, "inference-server.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { server, "--model", model, "--model-name", "m", "--listen", "127.0.0.1", "--http-port", $"{http}", "--grpc-port", $"{grpc}" },
            // Batching settings from the environment, as the operator's Deployment sets them.
            Environment = { ["INFERENCE_MAXBATCHSIZE"] = "64", ["INFERENCE_MAXQUEUEDELAYMS"] = "2000" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = new OipClient(new Uri($"http://127.0.0.1:{http}/"));
            for (var i = 0; i < 3000 && !await client.IsServerReadyAsync(); i++)
            {
                await Task.Delay(10);
            }

            Assert.True(await client.IsServerReadyAsync(), "server became ready");
            var queued = Enumerable.Range(0, 4).Select(i => client.InferAsync("m", [OipTensor.FromSingle("x", [1, 2], [i, 1])])).ToArray();
            using (var metrics = new HttpClient())
            {
                double? depth = 0;
                for (var i = 0; i < 3000 && depth != 4; i++)
                {
                    var text = await metrics.GetStringAsync(new Uri($"http://127.0.0.1:{http}/metrics"));
                    depth = TestServer.MetricValue(text, "inference_queue_depth{model=\"m\"}");
                    await Task.Delay(10);
                }

                Assert.Equal(4, depth); // held for the 2 s queue delay read from INFERENCE_MAXQUEUEDELAYMS
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var results = await Task.WhenAll(queued);
            for (var i = 0; i < results.Length; i++)
            {
                Assert.True(results[i].IsSuccess, results[i].Error);
                Assert.Equal(new float[] { 2 * i, 2 }, results[i].Output("y").AsSingles());
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await errors);
            Assert.Contains("Shutting down: model m is no longer ready", await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Should_ExitWithCode2NamingTheSetting_When_AnEnvironmentValueIsNotOfItsType()
    {
        var model = TinyOnnx.DynamicDouble(TestServer.TempDirectory);
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "inference-server.dll"), "--model", model, "--http-port", "0", "--grpc-port", "0" },
            Environment = { ["INFERENCE_MAXBATCHSIZE"] = "sixteen", ["INFERENCE_CACHE__ENABLED"] = "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var text = await errors;
        Assert.Contains("MaxBatchSize is 'sixteen', which is not a whole number", text, StringComparison.Ordinal);
        Assert.Contains("Cache:Enabled is 'yes', which is not true or false", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_ServeResNet18OneAtATime_When_ModelHasFixedBatch()
    {
        var resnet = new SampleModels.SampleModelCatalog().ResNet18();
        await using var server = await TestServer.StartAsync(resnet.ModelPath, "--max-batch-size", "8");
        Assert.False(server.Engine.Scheduler!.Batching);
        var pixels = Enumerable.Range(0, 3 * 224 * 224).Select(i => (float)((i * 0.618034) % 1.0)).ToArray();
        var result = await server.Client.InferAsync("m", [OipTensor.FromSingle("Input247", [1, 3, 224, 224], pixels)], new OipInferOptions { Binary = true });
        Assert.True(result.IsSuccess, result.Error);
        var output = result.Output("Pooling395_Output_0");
        Assert.Equal([1L, 512L, 1L, 1L], output.Shape);

        using var session = new InferenceSession(resnet.ModelPath);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 224, 224]);
        using var expected = session.Run(new RunOptions(), ["Input247"], [input], ["Pooling395_Output_0"]);
        Reference.AssertClose(expected[0].GetTensorDataAsSpan<float>().ToArray(), output.AsSingles(), 1e-4);
    }
}
