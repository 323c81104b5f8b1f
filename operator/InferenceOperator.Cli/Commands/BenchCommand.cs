using System.ComponentModel;
using System.Globalization;
using InferenceOperator.Serving.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl bench --url U --model M`: closed-loop load against any Open Inference Protocol server (perf_analyzer-like).</summary>
internal sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--url <URL>")]
        [Description("Server root, e.g. http://127.0.0.1:8080/.")]
        public string Url { get; init; } = "";

        [CommandOption("--model <NAME>")]
        public string Model { get; init; } = "";

        [CommandOption("--concurrency <LIST>")]
        [Description("Comma-separated concurrency levels.")]
        [DefaultValue("1,8,32")]
        public string Concurrency { get; init; } = "1,8,32";

        [CommandOption("--duration <TIME>")]
        [Description("Measured time per level, e.g. 20s or 500ms.")]
        [DefaultValue("20s")]
        public string Duration { get; init; } = "20s";

        [CommandOption("--shape <DIMS>")]
        [Description("Values for variable input dimensions, e.g. 1,128 for [[batch, sequence]].")]
        public string? Shape { get; init; }

        [CommandOption("--binary")]
        [Description("Use the binary tensor data extension.")]
        public bool Binary { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--url {settings.Url}: give the server's http(s) root, e.g. http://127.0.0.1:8080/");
        }

        if (string.IsNullOrWhiteSpace(settings.Model))
        {
            throw new CliException("--model: name the model to load");
        }

        var options = new LoadTestOptions
        {
            Url = url,
            Model = settings.Model,
            Concurrency = ParseList(settings.Concurrency, "--concurrency").Select(v => (int)v).ToList(),
            Duration = ParseDuration(settings.Duration),
            Dimensions = settings.Shape is null ? null : ParseList(settings.Shape, "--shape"),
            Binary = settings.Binary,
        };
        var results = await new LoadGenerator().RunAsync(options, new Progress<LoadLevelResult>(r => AnsiConsole.MarkupLineInterpolated($"[grey]{r}[/]")), cancellationToken);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("concurrency").RightAligned()).AddColumn(new TableColumn("req/s").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p95 ms").RightAligned())
            .AddColumn(new TableColumn("p99 ms").RightAligned()).AddColumn(new TableColumn("errors").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(I(r.Concurrency), F(r.Throughput, "0.0"), F(r.P50.TotalMilliseconds, "0.00"), F(r.P95.TotalMilliseconds, "0.00"), F(r.P99.TotalMilliseconds, "0.00"), I(r.Errors));
        }

        AnsiConsole.Write(table);
        return results.Any(r => r.Errors > 0) ? 1 : 0;
    }

    internal static TimeSpan ParseDuration(string text)
    {
        var number = text.TrimEnd('s', 'm');
        if (text.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(text[..^2], CultureInfo.InvariantCulture, out var ms) && ms > 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (text.EndsWith('s') && double.TryParse(number, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw new CliException($"--duration {text}: use seconds like 20s or milliseconds like 500ms");
    }

    private static List<long> ParseList(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => long.TryParse(v, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new CliException($"{option} {text}: use positive whole numbers separated by commas"))
            .ToList();

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
