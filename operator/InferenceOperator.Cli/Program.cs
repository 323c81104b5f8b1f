using InferenceOperator.Cli;
using InferenceOperator.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("inferctl");
    config.PropagateExceptions();
    config.AddCommand<CrdsCommand>("crds")
        .WithDescription("Write the CustomResourceDefinitions generated from the API types.")
        .WithExample("crds", "--output", "crds");
    ModelBranch.Add(config);
    config.AddCommand<PlanCommand>("plan")
        .WithDescription("Plan precision, accelerator, batching and replicas for InferenceServices, with no cluster.")
        .WithExample("plan", "-f", "examples/minilm-embeddings.yaml", "--profile", "minilm.profile.json");
    config.AddCommand<UpCommand>("up")
        .WithDescription("Run the manifests' InferenceServices on this machine (local/edge mode, no cluster).")
        .WithExample("up", "-f", "examples/edge-cpu.yaml");
    config.AddCommand<DownCommand>("down").WithDescription("Stop what `inferctl up` started.");
    config.AddCommand<DemoCommand>("demo")
        .WithDescription("The main job on this machine, no cluster: plan, quantize, serve, embed, load-test and report MiniLM.");
    config.AddCommand<BenchCommand>("bench")
        .WithDescription("Closed-loop load against any Open Inference Protocol server: throughput, p50/p95/p99, errors.")
        .WithExample("bench", "--url", "http://127.0.0.1:8080/", "--model", "minilm", "--concurrency", "1,8,32", "--duration", "20s");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("Cost, energy and carbon per service and namespace, with savings and opportunities (table/csv/json/markdown/html).")
        .WithExample("report", "-f", "examples/minilm-embeddings.yaml", "--profile", "minilm.profile.json", "-o", "html");
    config.AddCommand<ServeCommand>("serve").WithDescription("Run the serving engine in this process (what local mode starts).");
    config.AddCommand<ValidateCommand>("validate")
        .WithDescription("Check manifests against the CRD schemas and the operator's own spec rules.")
        .WithExample("validate", "-f", "examples/minilm-embeddings.yaml");
});

return await CliHost.RunAsync(app, args);
