using InferenceOperator.Serving.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl serve --config FILE`: the serving engine in this process (what local mode runs, same as inference-server).</summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--config <FILE>")]
        [System.ComponentModel.Description("Engine configuration (JSON, the serving engine's options).")]
        public string Config { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Config))
        {
            throw new CliException($"--config {settings.Config}: no such file");
        }

        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = ServingHost.Build(["--config", settings.Config]);
        }
        catch (OptionsValidationException ex)
        {
            throw new CliException("invalid engine configuration: " + string.Join("; ", ex.Failures));
        }

        await app.RunAsync();
        return 0;
    }
}
