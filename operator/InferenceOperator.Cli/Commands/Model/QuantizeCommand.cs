using System.ComponentModel;
using System.Globalization;
using InferenceOperator.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands.Model;

/// <summary>`inferctl model quantize MODEL --precision P --output OUT`: a new model file; the input is never overwritten.</summary>
internal sealed class QuantizeCommand : Command<QuantizeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("ONNX model file (fp32).")]
        public string Model { get; init; } = "";

        [CommandOption("-p|--precision <PRECISION>")]
        [Description("fp16, int8 or int4.")]
        public string Precision { get; init; } = "";

        [CommandOption("-o|--output <FILE>")]
        [Description("Output file; must differ from the input.")]
        public string Output { get; init; } = "";

        [CommandOption("--fp16-full-graph")]
        [Description("fp16: convert the whole graph (for GPUs), not only the stored weights.")]
        public bool Fp16FullGraph { get; init; }

        [CommandOption("--no-embeddings")]
        [Description("int8: leave embedding tables (Gather on a constant) in fp32.")]
        public bool NoEmbeddings { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = ModelSettings.ExistingFile(settings.Model, "model");
        var precision = ModelSettings.Precision(settings.Precision, "--precision");
        if (string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new CliException("--output: name the file to write");
        }

        var options = new QuantizationOptions { Fp16FullGraph = settings.Fp16FullGraph, QuantizeEmbeddings = !settings.NoEmbeddings };
        QuantizationReport? report = null;
        AnsiConsole.Progress().AutoClear(true).Start(progress =>
        {
            var task = progress.AddTask($"quantizing to {precision.Name()}", maxValue: 1);
            report = new ModelQuantizer().Quantize(input, settings.Output, precision, options, new Progress<double>(v => task.Value = v), cancellationToken);
            task.Value = 1;
        });

        Print(report!);
        return 0;
    }

    private static void Print(QuantizationReport report)
    {
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote [green]{Markup.Escape(report.OutputPath)}[/]: {report.Precision.Name()} ({Markup.Escape(report.Scheme)}), {report.OutputBytes / 1e6:0.0} MB = {report.SizeRatio:0.00}x of {report.InputBytes / 1e6:0.0} MB{(report.FromCache ? " (from cache)" : "")}"));
        if (report.Int8Weights is { } format)
        {
            AnsiConsole.MarkupLine($"int8 weights: {format}");
        }

        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"quantized {report.QuantizedNodes.Count} nodes; left in fp32: {report.LeftInFp32.Count}"));
        foreach (var skipped in report.LeftInFp32.Take(10))
        {
            AnsiConsole.MarkupLine(Markup.Escape($"  {skipped.Name} ({skipped.OpType}): {skipped.Reason}"));
        }
    }
}
