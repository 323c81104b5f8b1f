using System.Globalization;
using InferenceOperator.ApiMapping;
using Spectre.Console;
using Spectre.Console.Rendering;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Cli.Planning;

/// <summary>A plan as people read it: the choice, the alternatives it beat, what was rejected and why.</summary>
internal static class PlanView
{
    public static IRenderable Render(ServicePlan plan, string? heading = null)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(heading ?? $"{plan.Service.Metadata.NamespaceProperty ?? "default"}/{plan.Service.Metadata.Name}")}[/]  policy [blue]{Markup.Escape(plan.PolicyName)}[/]"),
        };
        var result = plan.Plan;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("")
            .AddColumn("accelerator").AddColumn("precision").AddColumn(new TableColumn("batch").RightAligned())
            .AddColumn(new TableColumn("replicas").RightAligned()).AddColumn(new TableColumn("p95 ms").RightAligned())
            .AddColumn(new TableColumn("$/h").RightAligned()).AddColumn(new TableColumn("$/1M").RightAligned())
            .AddColumn(new TableColumn("W").RightAligned()).AddColumn(new TableColumn("gCO2e/1k").RightAligned())
            .AddColumn("why not");
        if (result.Chosen is { } chosen)
        {
            AddRow(table, "[green]chosen[/]", chosen, "");
        }

        foreach (var alternative in result.Alternatives.Take(5))
        {
            AddRow(table, "alt", alternative.Candidate, alternative.LostBecause);
        }

        if (result.Baseline is { } baseline)
        {
            AddRow(table, "[grey]baseline[/]", baseline, "naive: fp32, batch 1");
        }

        if (result.Chosen is null && result.Closest is { } closest)
        {
            AddRow(table, "[yellow]closest[/]", closest, result.BindingReason ?? "");
        }

        rows.Add(table);
        if (result.Chosen is not null && result.Baseline is not null)
        {
            rows.Add(new Markup(string.Create(CultureInfo.InvariantCulture,
                $"savings vs {Markup.Escape(result.Baseline.Accelerator)}/fp32: [green]{result.SavingsPercent:0.#}%[/], [green]${result.SavingsPerMonth:N0}[/] per month")));
        }

        foreach (var rejection in result.Rejections.Take(8))
        {
            rows.Add(new Markup($"[grey]rejected {Markup.Escape(rejection.ToString())}[/]"));
        }

        if (result.Rejections.Count > 8)
        {
            rows.Add(new Markup($"[grey]… and {result.Rejections.Count - 8} more rejections (-o json lists all)[/]"));
        }

        rows.Add(new Text(result.Explain()));
        return new Rows(rows);
    }

    private static void AddRow(Table table, string label, Plan.Candidate c, string reason) =>
        table.AddRow(
            new Markup(label),
            new Text(c.Accelerator),
            new Text(c.Precision.ToApi().ToString().ToLowerInvariant()),
            new Text(c.MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
            new Text(c.Replicas.ToString(CultureInfo.InvariantCulture)),
            new Text(c.PredictedP95Ms.ToString("0.0", CultureInfo.InvariantCulture)),
            new Text(c.CostPerHour.ToString("0.00", CultureInfo.InvariantCulture)),
            new Text(c.CostPerMillionInferences.ToString("0.000", CultureInfo.InvariantCulture)),
            new Text(c.AverageWatts.ToString("0", CultureInfo.InvariantCulture)),
            new Text(c.GramsCo2ePer1kInferences.ToString("0.000", CultureInfo.InvariantCulture)),
            new Text(reason));
}
