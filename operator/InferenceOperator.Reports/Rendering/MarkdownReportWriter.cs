using System.Globalization;
using System.Text;

namespace InferenceOperator.Reports.Rendering;

/// <summary>GitHub-flavoured Markdown: header, the table (services, namespace totals, grand total), opportunities and gaps.</summary>
public static class MarkdownReportWriter
{
    public static string Write(FinOpsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("# FinOps report: inference services\n\n");
        md.Append(Invariant($"As of {Stamp(report.GeneratedAt)}, window {ReportText.Window(report.Window)} ({report.WindowHours:0.##} h). "));
        md.Append(report.TrafficAvailable
            ? "Observed traffic from Prometheus.\n\n"
            : "Observed columns: " + ReportText.NoPrometheus + " (" + Escape(report.TrafficUnavailableReason ?? "") + ").\n\n");
        md.Append(Invariant($"**Total: {ReportText.Usd(report.Total.CostPerMonth)}/month**, saving {ReportText.Usd(report.Total.SavingsPerMonth)}/month"))
            .Append(report.Total.SavingsPercent is { } p ? " (" + ReportText.Percent(p) + ")" : "")
            .Append(Invariant($" against the baselines; {ReportText.Number(report.Total.KwhPerMonth, 2)} kWh and {ReportText.Number(report.Total.KgCo2ePerMonth, 2)} kg CO2e per month.\n\n"));

        var table = ReportTable.From(report);
        md.Append("| ").AppendJoin(" | ", table.Columns.Select(Escape)).Append(" |\n");
        md.Append('|').AppendJoin('|', table.Columns.Select((_, i) => i is >= 4 and <= 13 ? " ---: " : " --- ")).Append("|\n");
        foreach (var row in table.Rows)
        {
            var cells = row.Cells.Select(Escape).Select(c => row.Kind == ReportRowKind.Service || c.Length == 0 ? c : "**" + c + "**");
            md.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }

        md.Append("\n## Opportunities\n\n");
        var any = false;
        foreach (var s in report.Services)
        {
            foreach (var o in s.Opportunities)
            {
                md.Append("- ").Append(Escape(s.Namespace + "/" + s.Name)).Append(": ").Append(Escape(o.Summary)).Append('\n');
                any = true;
            }
        }

        md.Append(any ? "" : "None: every service is on its cheapest plan within its quality gate.\n");
        md.Append("\n## Gaps\n\n");
        any = false;
        foreach (var s in report.Services)
        {
            foreach (var g in s.Gaps)
            {
                md.Append("- ").Append(Escape(s.Namespace + "/" + s.Name)).Append(": ").Append(Escape(g.Message)).Append('\n');
                any = true;
            }
        }

        md.Append(any ? "" : "None.\n");
        md.Append("\n## How the figures are made\n\n")
            .Append("$/hour = replicas x catalog price + watts / 1000 x electricity price. $/month = $/hour x 730. ")
            .Append("$/1M inferences = window cost / inferences served x 1,000,000 (never allocation-based; n/a with zero traffic). ")
            .Append("Each service figure is rounded once, half away from zero; totals are sums of the rounded service figures, so they reconcile to the cent.\n");
        return md.ToString();
    }

    internal static string Stamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
