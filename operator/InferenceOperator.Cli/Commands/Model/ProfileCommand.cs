using System.ComponentModel;
using System.Globalization;
using System.Text;
using InferenceOperator.Cli.Fetching;
using InferenceOperator.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands.Model;

/// <summary>
/// `inferctl model profile MODEL`: quantizes to each precision and measures quality against fp32 and CPU speed.
/// In the operator's profiling Job it writes the compact JSON as the container's termination message.
/// </summary>
internal sealed class ProfileCommand : AsyncCommand<ProfileCommand.Settings>
{
    /// <summary>Kubernetes keeps at most 4096 bytes of a termination message.</summary>
    public const int TerminationMessageLimit = 4096;

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[MODEL]")]
        [Description("ONNX model file (fp32); or use --uri.")]
        public string? Model { get; init; }

        [CommandOption("--uri <URI>")]
        [Description("Fetch the model from https://, http:// or file:// first.")]
        public string? Uri { get; init; }

        [CommandOption("--sha256 <HEX>")]
        [Description("Expected SHA-256 of the fetched model.")]
        public string? Sha256 { get; init; }

        [CommandOption("--precisions <LIST>")]
        [Description("Comma-separated precisions to measure.")]
        [DefaultValue("fp32,fp16,int8,int4")]
        public string Precisions { get; init; } = "fp32,fp16,int8,int4";

        [CommandOption("--samples <N>")]
        [Description("Calibration inputs when none are supplied (synthesised, seeded).")]
        [DefaultValue(32)]
        public int Samples { get; init; } = 32;

        [CommandOption("--seed <N>")]
        [DefaultValue(42)]
        public int Seed { get; init; } = 42;

        [CommandOption("--calibration <FILE>")]
        [Description("User-supplied calibration inputs (JSON or NPY).")]
        public string? Calibration { get; init; }

        [CommandOption("--vocab <FILE>")]
        [Description("Vocabulary of a text model, to synthesise realistic token ids.")]
        public string? Vocabulary { get; init; }

        [CommandOption("--min-cosine <X>")]
        [DefaultValue(0.99)]
        public double MinCosine { get; init; } = 0.99;

        [CommandOption("--max-top1-disagreement <X>")]
        [DefaultValue(0.02)]
        public double MaxTop1Disagreement { get; init; } = 0.02;

        [CommandOption("--no-speed")]
        [Description("Skip the CPU throughput measurement.")]
        public bool NoSpeed { get; init; }

        [CommandOption("-o|--output <FORMAT>")]
        [Description("table (default) or json.")]
        [DefaultValue("table")]
        public string Output { get; init; } = "table";

        [CommandOption("--termination-message [PATH]")]
        [Description("Also write the compact JSON to PATH (default /dev/termination-log), as the profiling Job does.")]
        public FlagValue<string>? TerminationMessage { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var precisions = settings.Precisions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => ModelSettings.Precision(p, "--precisions"))
            .Distinct()
            .ToList();
        var work = Directory.CreateTempSubdirectory("inferctl-profile-");
        try
        {
            var path = settings.Uri is { } uri
                ? await FetchAsync(uri, settings.Sha256, work.FullName, cancellationToken)
                : ModelSettings.ExistingFile(settings.Model, "model");
            var options = new ProfileOptions
            {
                Precisions = precisions,
                Samples = settings.Samples,
                Seed = settings.Seed,
                CalibrationPath = settings.Calibration,
                VocabularyPath = settings.Vocabulary,
                MeasureSpeed = !settings.NoSpeed,
                Thresholds = new QualityThresholds { MinCosineSimilarity = settings.MinCosine, MaxTop1Disagreement = settings.MaxTop1Disagreement },
                OutputDirectory = work.FullName,
            };
            var profile = Run(path, options, settings.Output == "json", cancellationToken);
            var json = profile.ToJson();
            if (settings.TerminationMessage is { IsSet: true } message)
            {
                WriteTerminationMessage(string.IsNullOrEmpty(message.Value) ? "/dev/termination-log" : message.Value, json);
            }

            if (settings.Output == "json")
            {
                Console.Out.WriteLine(json);
            }
            else
            {
                Print(profile);
            }

            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static ModelProfile Run(string path, ProfileOptions options, bool quiet, CancellationToken cancellationToken)
    {
        if (quiet || Console.IsOutputRedirected)
        {
            return new ModelProfiler().Profile(path, options, null, cancellationToken);
        }

        ModelProfile? profile = null;
        AnsiConsole.Progress().AutoClear(true).Start(progress =>
        {
            var task = progress.AddTask("profiling " + Path.GetFileName(path), maxValue: 1);
            profile = new ModelProfiler().Profile(path, options, new Progress<double>(v => task.Value = v), cancellationToken);
            task.Value = 1;
        });
        return profile!;
    }

    private static async Task<string> FetchAsync(string uri, string? sha256, string work, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var local = await new ModelFetcher(http).LocalCopyAsync(uri, work, cancellationToken);
        if (sha256 is not null && !string.Equals(await ModelFetcher.Sha256Async(local, cancellationToken), sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"checksum mismatch for {uri}: the file does not have spec.model.sha256 {sha256}; fix the URI or the checksum");
        }

        return local;
    }

    internal static void WriteTerminationMessage(string path, string json)
    {
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > TerminationMessageLimit)
        {
            throw new CliException($"the profile is {bytes} bytes, over the {TerminationMessageLimit}-byte termination message limit: profile fewer precisions");
        }

        File.WriteAllText(path, json);
    }

    private static void Print(ModelProfile profile)
    {
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[bold]{profile.Parameters / 1e6:0.0}M parameters[/], {profile.FlopsPerInference / 1e9:0.###} GFLOP per inference{(profile.SequenceLength is { } s ? $" at sequence {s}" : "")}, opset {profile.Opset}, measured on {Markup.Escape(profile.MeasuredOn ?? "this CPU")}"));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("precision").AddColumn(new TableColumn("cosine mean").RightAligned()).AddColumn(new TableColumn("cosine min").RightAligned())
            .AddColumn(new TableColumn("rel L2").RightAligned()).AddColumn(new TableColumn("top-1").RightAligned())
            .AddColumn(new TableColumn("MB").RightAligned()).AddColumn(new TableColumn("inf/s b1").RightAligned())
            .AddColumn(new TableColumn("inf/s b8").RightAligned()).AddColumn(new TableColumn("p50 ms b1").RightAligned()).AddColumn("gate");
        foreach (var p in profile.Precisions)
        {
            table.AddRow(
                p.Precision.Name(),
                F(p.CosineMean, "0.0000"), F(p.CosineMin, "0.0000"), F(p.RelativeL2, "0.0000"),
                p.Top1Agreement is { } top1 ? F(top1, "0.000") : "-",
                F(p.FileBytes / 1e6, "0.0"), F(p.ThroughputBatch1, "0.0"),
                p.ThroughputBatch8 is { } b8 ? F(b8, "0.0") : "-",
                F(p.LatencyP50Batch1Ms, "0.00"),
                p.Passed ? "[green]pass[/]" : "[red]fail[/]");
        }

        AnsiConsole.Write(table);
        foreach (var unavailable in profile.Unavailable ?? [])
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{unavailable.Precision.Name()} unavailable[/]: {unavailable.Reason}");
        }
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
