using System.Globalization;
using System.Text;

namespace InferenceOperator.Reports.Rendering;

/// <summary>
/// CSV with a stable header (<see cref="Header"/>), invariant culture, RFC 4180 quoting, LF line ends. One row per service, then
/// one per namespace (row_type namespace) and the grand total (row_type total). Numbers are plain ("1468.76"); a missing
/// figure is "n/a", or "n/a (no Prometheus)" in the observed columns; the gaps column says why.
/// </summary>
public static class CsvReportWriter
{
    public static readonly IReadOnlyList<string> Header =
    [
        "row_type", "namespace", "service", "policy", "objective", "accelerator", "precision", "replicas",
        "cost_per_hour_usd", "cost_per_month_usd", "window_hours", "window_cost_usd", "inferences", "cost_per_million_usd",
        "utilisation", "power_watts", "kwh_per_month", "kg_co2e_per_month", "baseline_accelerator", "baseline_cost_per_month_usd",
        "savings_per_month_usd", "savings_percent", "opportunity", "gaps",
    ];

    private const string Na = ReportText.NotApplicable;

    public static string Write(FinOpsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder();
        Line(csv, Header);
        var windowHours = F(report.WindowHours, 2);
        foreach (var s in report.Services)
        {
            var observed = ReportText.Observed(s);
            Line(csv,
            [
                "service", s.Namespace, s.Name, s.Policy, ReportText.Objective(s.Objective), s.Accelerator ?? Na, ReportText.Precision(s.Precision),
                s.Replicas is { } r ? r.ToString(CultureInfo.InvariantCulture) : Na,
                F(s.CostPerHour, 4), F(s.CostPerMonth, 2), windowHours, F(s.WindowCost, 2),
                s.Inferences is { } n ? n.ToString(CultureInfo.InvariantCulture) : observed,
                s.CostPerMillion is { } m ? F(m, 4) : observed,
                s.Utilisation is { } u ? F(u, 3) : observed,
                F(s.PowerWatts, 1), F(s.KwhPerMonth, 2), F(s.KgCo2ePerMonth, 2), s.BaselineAccelerator ?? Na, F(s.BaselineCostPerMonth, 2),
                F(s.SavingsPerMonth, 2), F(s.SavingsPercent, 1),
                string.Join(" | ", s.Opportunities.Select(o => o.Summary)),
                string.Join(" | ", s.Gaps.Select(g => g.Message)),
            ]);
        }

        foreach (var t in report.Namespaces)
        {
            Line(csv, Totals("namespace", t, report, windowHours));
        }

        Line(csv, Totals("total", report.Total, report, windowHours));
        return csv.ToString();
    }

    private static string[] Totals(string rowType, ReportTotals t, FinOpsReport report, string windowHours)
    {
        var observed = report.TrafficAvailable ? Na : ReportText.NoPrometheus;
        return
        [
            rowType, t.Namespace ?? "", "", "", "", "", "", t.Replicas.ToString(CultureInfo.InvariantCulture),
            F(t.CostPerHour, 4), F(t.CostPerMonth, 2), windowHours, F(t.WindowCost, 2),
            t.Inferences is { } n ? n.ToString(CultureInfo.InvariantCulture) : observed,
            t.CostPerMillion is { } m ? F(m, 4) : observed,
            t.Utilisation is { } u ? F(u, 3) : observed,
            F(t.PowerWatts, 1), F(t.KwhPerMonth, 2), F(t.KgCo2ePerMonth, 2), "", F(t.BaselineCostPerMonth, 2),
            F(t.SavingsPerMonth, 2), F(t.SavingsPercent, 1), "",
            t.ServicesWithoutCost > 0 ? ReportTable.Excluded(t.ServicesWithoutCost) : "",
        ];
    }

    internal static string F(decimal? value, int decimals) =>
        value is { } v ? v.ToString("0." + new string('0', decimals), CultureInfo.InvariantCulture) : Na;

    private static void Line(StringBuilder csv, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                csv.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                csv.Append(cell);
            }
        }

        csv.Append('\n');
    }
}
