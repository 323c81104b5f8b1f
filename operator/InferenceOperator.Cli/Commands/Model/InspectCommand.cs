using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using InferenceOperator.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands.Model;

/// <summary>`inferctl model inspect MODEL`: inputs, outputs, opset, parameters, FLOPs, weight bytes per precision, op histogram.</summary>
internal sealed class InspectCommand : Command<InspectCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("ONNX model file.")]
        public string Model { get; init; } = "";

        [CommandOption("--batch <N>")]
        [Description("Batch size the FLOPs are counted at.")]
        [DefaultValue(1)]
        public int Batch { get; init; } = 1;

        [CommandOption("--sequence-length <N>")]
        [Description("Sequence length for text models.")]
        [DefaultValue(128)]
        public int SequenceLength { get; init; } = 128;

        [CommandOption("-o|--output <FORMAT>")]
        [Description("table (default) or json.")]
        [DefaultValue("table")]
        public string Output { get; init; } = "table";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var path = ModelSettings.ExistingFile(settings.Model, "model");
        var analysis = new ModelAnalyzer().Analyze(path, new AnalysisOptions { BatchSize = settings.Batch, SequenceLength = settings.SequenceLength });
        if (settings.Output == "json")
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(analysis, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }

        var summary = new Grid().AddColumn().AddColumn();
        summary.AddRow("file", Markup.Escape($"{analysis.Path} ({analysis.FileBytes / 1e6:0.0} MB, sha256 {analysis.Sha256[..12]}…)"));
        summary.AddRow("ir / opset", string.Create(CultureInfo.InvariantCulture, $"{analysis.IrVersion} / {analysis.Opset}"));
        summary.AddRow("parameters", string.Create(CultureInfo.InvariantCulture, $"{analysis.Parameters:N0} ({analysis.Parameters / 1e6:0.0}M)"));
        summary.AddRow("flops / inference", analysis.FlopsPerItem is { } flops
            ? string.Create(CultureInfo.InvariantCulture, $"{flops / 1e9:0.###} GFLOP at batch {analysis.BatchSize}{(analysis.SequenceLength is { } s ? $", sequence {s}" : "")}")
            : "n/a");
        summary.AddRow("batchable", analysis.IsBatchDynamic ? "yes (dynamic batch dimension)" : Markup.Escape($"no: {analysis.BatchBlocker ?? "fixed batch"}"));
        summary.AddRow("weight bytes", string.Create(CultureInfo.InvariantCulture,
            $"fp32 {analysis.WeightBytes.Fp32 / 1e6:0.0} MB, fp16 {analysis.WeightBytes.Fp16 / 1e6:0.0} MB, int8 {analysis.WeightBytes.Int8 / 1e6:0.0} MB, int4 {analysis.WeightBytes.Int4 / 1e6:0.0} MB"));
        AnsiConsole.Write(summary);

        var tensors = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("name").AddColumn("datatype").AddColumn("shape");
        foreach (var (role, specs) in new[] { ("input", analysis.Inputs), ("output", analysis.Outputs) })
        {
            foreach (var spec in specs)
            {
                var dims = spec.Shape.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : spec.DimNames.ElementAtOrDefault(i) ?? "?");
                tensors.AddRow(role, Markup.Escape(spec.Name), spec.Datatype, Markup.Escape("[" + string.Join(", ", dims) + "]"));
            }
        }

        AnsiConsole.Write(tensors);
        AnsiConsole.MarkupLine("ops: " + Markup.Escape(string.Join(", ", analysis.OpHistogram.Take(12).Select(p => $"{p.Key} {p.Value}"))));
        return 0;
    }
}
