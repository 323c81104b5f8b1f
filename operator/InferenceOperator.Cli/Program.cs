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
    config.AddCommand<ValidateCommand>("validate")
        .WithDescription("Check manifests against the CRD schemas and the operator's own spec rules.")
        .WithExample("validate", "-f", "examples/minilm-embeddings.yaml");
});

return await CliHost.RunAsync(app, args);
