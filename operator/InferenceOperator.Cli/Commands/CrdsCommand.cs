using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl crds`: writes crds/&lt;group&gt;_&lt;plural&gt;.yaml and the default catalog, each with a kustomization.</summary>
internal sealed class CrdsCommand : Command<CrdsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--output <DIR>")]
        [Description("Folder to write the CRDs into.")]
        [DefaultValue("crds")]
        public string Output { get; init; } = "crds";

        [CommandOption("--catalog <DIR>")]
        [Description("Folder to write the default AcceleratorProfile catalog into; empty to skip.")]
        [DefaultValue("config/catalog")]
        public string Catalog { get; init; } = "config/catalog";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var written = CrdFiles.Write(settings.Output, string.IsNullOrEmpty(settings.Catalog) ? null : settings.Catalog);
        foreach (var file in written)
        {
            AnsiConsole.MarkupLineInterpolated($"wrote [green]{file}[/]");
        }

        return 0;
    }
}
