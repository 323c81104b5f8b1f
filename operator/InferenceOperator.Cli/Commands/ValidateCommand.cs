using System.ComponentModel;
using InferenceOperator.Cli.Manifests;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl validate -f FILE...`: schema and spec-rule check of manifests, exit 2 on any problem.</summary>
internal sealed class ValidateCommand : Command<ValidateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <FILE>")]
        [Description("Manifest file(s) to check; repeat for several.")]
        public string[] Files { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Files.Length == 0)
        {
            throw new CliException("no manifests given: pass -f FILE (repeatable)");
        }

        var set = new ManifestReader(new CrdSchemas()).ReadFiles(settings.Files);
        foreach (var skipped in set.Skipped)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]skipped {skipped}[/]");
        }

        foreach (var problem in set.Problems)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]invalid[/] {problem.Source} {problem.Object}: [yellow]{problem.Error.Field}[/]: {problem.Error.Message}");
        }

        var valid = set.Services.Count + set.Policies.Count + set.Accelerators.Count;
        AnsiConsole.MarkupLineInterpolated($"{valid} valid, {set.Problems.Count} problem(s)");
        return set.IsValid ? 0 : CliHost.UsageError;
    }
}
