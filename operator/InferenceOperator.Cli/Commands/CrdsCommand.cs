using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl crds`: writes crds/&lt;group&gt;_&lt;plural&gt;.yaml and a kustomization listing them.</summary>
internal sealed class CrdsCommand : Command<CrdsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--output <DIR>")]
        [Description("Folder to write the CRDs into.")]
        [DefaultValue("crds")]
        public string Output { get; init; } = "crds";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var written = CrdFiles.Write(settings.Output);
        foreach (var file in written)
        {
            AnsiConsole.MarkupLineInterpolated($"wrote [green]{file}[/]");
        }

        return 0;
    }
}
