using System.Net.Sockets;
using InferenceOperator.Cli.Local;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Client;
using Xunit;

namespace InferenceOperator.Cli.Tests;

/// <summary>`inferctl up`/`down` on the real all-MiniLM-L6-v2: a real engine process on loopback, and nothing left behind.</summary>
public sealed class LocalModeTests : IDisposable
{
    private static readonly CrdSchemas Schemas = new();
    private readonly string stateDir = Path.Combine(Path.GetTempPath(), "inferctl-local-" + Guid.NewGuid().ToString("N"));
    private readonly LocalState state;
    private readonly LocalReconciler reconciler;

    public LocalModeTests()
    {
        state = new LocalState(stateDir);
        // Quality is measured on a few inputs; speed is not (the planner falls back to its roofline), to keep the test short.
        reconciler = new LocalReconciler(state, new InferenceOperator.Planning.Planner(), new LocalProfileOptions(Samples: 4, MeasureSpeed: false));
    }

    public void Dispose()
    {
        foreach (var running in state.All())
        {
            reconciler.DownAsync(running, CancellationToken.None).GetAwaiter().GetResult();
        }

        Directory.Delete(stateDir, recursive: true);
    }

    private static ManifestSet Edge(Func<string, string>? edit = null)
    {
        var model = new SampleModelCatalog().MiniLm();
        var yaml = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", "edge-cpu.yaml"))
            .Replace("file:///var/lib/inferenceoperator/models/all-minilm-l6-v2/model.onnx", new Uri(model.ModelPath).AbsoluteUri, StringComparison.Ordinal);
        var set = new ManifestReader(Schemas).ReadText(edit is null ? yaml : edit(yaml), "edge-cpu.yaml");
        Assert.True(set.IsValid, string.Join("; ", set.Problems));
        return set;
    }

    [Fact]
    public async Task Should_ServeRealModel_BeIdempotent_AndLeaveNothingBehind_When_UpThenDown()
    {
        var set = Edge();
        var plan = await reconciler.PlanAsync(set, set.Services[0], null, CancellationToken.None);

        var (running, already) = await reconciler.UpAsync(plan, 0, CancellationToken.None);

        Assert.False(already);
        using (var client = new OipClient(new Uri($"http://127.0.0.1:{running.HttpPort}/")))
        {
            Assert.True(await client.IsServerReadyAsync());
            var metadata = await client.GetModelMetadataAsync(running.Name);
            var answer = await client.InferAsync(running.Name, LoadGenerator.SynthesiseInputs(metadata, [1, 16]));
            Assert.True(answer.IsSuccess, answer.Error);
            Assert.Equal([1, 16, 384], answer.Output("last_hidden_state").Shape);
        }

        var (again, alreadyRunning) = await reconciler.UpAsync(plan, 0, CancellationToken.None);
        Assert.True(alreadyRunning);
        Assert.Equal(running.Pid, again.Pid);

        await reconciler.DownAsync(running, CancellationToken.None);

        Assert.False(LocalProcess.IsServer(running.Pid, running.ConfigPath));
        Assert.Empty(state.All());
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", running.HttpPort));
    }

    [Fact]
    public async Task Should_NamePortAndFix_When_RequestedPortIsInUse()
    {
        using var occupied = new TcpListener(System.Net.IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((System.Net.IPEndPoint)occupied.LocalEndpoint).Port;
        var set = Edge();
        var plan = await reconciler.PlanAsync(set, set.Services[0], null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<CliException>(() => reconciler.UpAsync(plan, port, CancellationToken.None));

        Assert.Contains($"port {port} is in use", error.Message, StringComparison.Ordinal);
        Assert.Contains("--port 0", error.Message, StringComparison.Ordinal);
        Assert.Empty(state.All());
    }

    [Fact]
    public async Task Should_SayWhatLocalModeOffers_When_AcceleratorIsNotOnThisMachine()
    {
        var set = Edge(yaml => yaml.Replace("  autoscaling:\n    engine: none", "  accelerator: nvidia-l4\n  autoscaling:\n    engine: none", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<CliException>(() => reconciler.PlanAsync(set, set.Services[0], null, CancellationToken.None));

        Assert.Contains("spec.accelerator 'nvidia-l4' is not on this machine", error.Message, StringComparison.Ordinal);
        Assert.Contains("local mode offers cpu-x86", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_NameTheMissingFile_When_ModelDoesNotExist()
    {
        var set = Edge(yaml => System.Text.RegularExpressions.Regex.Replace(yaml, "uri: file://.*", "uri: file:///nonexistent/model.onnx"));

        var error = await Assert.ThrowsAsync<CliException>(() => reconciler.PlanAsync(set, set.Services[0], null, CancellationToken.None));

        Assert.Contains("/nonexistent/model.onnx does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_TokenizeLikeBertUncased_WithWordPieces()
    {
        var vocabulary = File.ReadLines(new SampleModelCatalog().MiniLm().VocabularyPath!).ToList();
        var tokenizer = new WordPieceTokenizer(vocabulary);

        var ids = tokenizer.Encode("Quantizing, naïvely!");

        var tokens = ids.Select(i => vocabulary[(int)i]).ToList();
        Assert.Equal("[CLS]", tokens[0]);
        Assert.Equal("[SEP]", tokens[^1]);
        Assert.Contains(",", tokens);
        Assert.Contains("!", tokens);
        Assert.Contains(tokens, t => t.StartsWith("##", StringComparison.Ordinal));
        Assert.Contains("naively", string.Concat(tokens.Skip(1).Select(t => t.TrimStart('#'))), StringComparison.Ordinal);
    }
}
