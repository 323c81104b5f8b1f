using System.ComponentModel;
using InferenceOperator.Cli.Fetching;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands.Model;

/// <summary>`inferctl model fetch --uri U --precision P --output OUT [--sha256 S]`: what the serving pods' init container runs.</summary>
internal sealed class FetchCommand : AsyncCommand<FetchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--uri <URI>")]
        [Description("https://, http:// or file:// location of the fp32 ONNX model.")]
        public string Uri { get; init; } = "";

        [CommandOption("--sha256 <HEX>")]
        [Description("Expected SHA-256 of the downloaded file.")]
        public string? Sha256 { get; init; }

        [CommandOption("-p|--precision <PRECISION>")]
        [Description("fp32, fp16, int8 or int4.")]
        [DefaultValue("fp32")]
        public string Precision { get; init; } = "fp32";

        [CommandOption("-o|--output <FILE>")]
        [Description("Where the model at that precision is written.")]
        public string Output { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Uri) || string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new CliException("--uri and --output are required");
        }

        var precision = ModelSettings.Precision(settings.Precision, "--precision");
        // A cache volume may already hold this exact model: the marker records which URI and checksum produced it.
        var marker = settings.Output + ".source";
        var source = $"{settings.Uri} {settings.Sha256}";
        if (File.Exists(settings.Output) && File.Exists(marker) && await File.ReadAllTextAsync(marker, cancellationToken) == source)
        {
            AnsiConsole.MarkupLineInterpolated($"{settings.Output} is cached for {settings.Uri}: reusing it");
            return 0;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        await new ModelFetcher(http).FetchAsync(settings.Uri, settings.Sha256, precision, settings.Output, null, cancellationToken);
        await File.WriteAllTextAsync(marker, source, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"wrote {settings.Output} ({precision.Name()})");
        return 0;
    }
}
