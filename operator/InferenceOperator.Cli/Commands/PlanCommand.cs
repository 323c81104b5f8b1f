using System.ComponentModel;
using InferenceOperator.Api.Schema;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Planning;
using k8s;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl plan -f MANIFEST...`: what-if planning with no cluster, printed as a table or as JSON/YAML.</summary>
internal sealed class PlanCommand : Command<PlanCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <FILE>")]
        [Description("Manifests: InferenceServices, their InferencePolicies and (optionally) AcceleratorProfiles. Repeatable.")]
        public string[] Files { get; init; } = [];

        [CommandOption("--profile <FILE>")]
        [Description("Model profile JSON (from `inferctl model profile`) used instead of spec.model.profile.")]
        public string? Profile { get; init; }

        [CommandOption("-o|--output <FORMAT>")]
        [Description("table (default), json or yaml.")]
        [DefaultValue("table")]
        public string Output { get; init; } = "table";

        public override ValidationResult Validate() =>
            Files.Length == 0 ? ValidationResult.Error("no manifests given: pass -f FILE (repeatable)")
            : Output is "table" or "json" or "yaml" ? ValidationResult.Success()
            : ValidationResult.Error($"--output {Output}: use table, json or yaml");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var set = new ManifestReader(new CrdSchemas()).ReadFiles(settings.Files);
        if (!set.IsValid)
        {
            throw new CliException("invalid manifests: " + string.Join("; ", set.Problems) + " (run `inferctl validate` for details)");
        }

        if (set.Services.Count == 0)
        {
            throw new CliException("the manifests hold no InferenceService to plan");
        }

        var profile = settings.Profile is null ? null : ServicePlanner.ReadProfile(settings.Profile);
        var plans = new ServicePlanner(new InferenceOperator.Planning.Planner()).PlanAll(set, ServicePlanner.Catalog(set), profile);
        switch (settings.Output)
        {
            case "json":
                Console.Out.WriteLine(KubernetesJson.Serialize(plans.Select(PlanDocument.From).ToList()));
                break;
            case "yaml":
                Console.Out.Write(CrdYaml.Serialize(plans.Select(PlanDocument.From).ToList()));
                break;
            default:
                foreach (var plan in plans)
                {
                    AnsiConsole.Write(PlanView.Render(plan));
                    AnsiConsole.WriteLine();
                }

                break;
        }

        return plans.All(p => p.Plan.IsFeasible) ? 0 : 1;
    }
}
