namespace InferenceOperator.Reports.Rendering;

/// <summary>Kind of a table row, for styling (totals bold, a rule before the grand total).</summary>
public enum ReportRowKind
{
    Service,
    NamespaceTotal,
    GrandTotal,
}

/// <summary>One table row: formatted cells in <see cref="ReportTable.Columns"/> order.</summary>
public sealed record ReportTableRow(ReportRowKind Kind, IReadOnlyList<string> Cells);

/// <summary>
/// The report as a table of formatted text (what `inferctl report` prints with Spectre.Console, and what Markdown and HTML
/// show): services of each namespace, then the namespace's total, then the grand total.
/// </summary>
public sealed record ReportTable(IReadOnlyList<string> Columns, IReadOnlyList<ReportTableRow> Rows)
{
    public static ReportTable From(FinOpsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var window = ReportText.Window(report.Window);
        string[] columns =
        [
            "Namespace", "Service", "Accelerator", "Precision", "Replicas", "$/hour", "$/month", "Inferences (" + window + ")", "$/1M inferences",
            "Utilisation", "kWh/month", "kg CO2e/month", "Savings %", "Savings $/month", "Opportunity", "Notes",
        ];
        var rows = new List<ReportTableRow>();
        foreach (var ns in report.Namespaces)
        {
            foreach (var row in report.Services.Where(s => s.Namespace == ns.Namespace))
            {
                rows.Add(new(ReportRowKind.Service, ServiceCells(row)));
            }

            rows.Add(new(ReportRowKind.NamespaceTotal, TotalCells(ns, report, ns.Namespace + " total")));
        }

        rows.Add(new(ReportRowKind.GrandTotal, TotalCells(report.Total, report, "TOTAL")));
        return new ReportTable(columns, rows);
    }

    private static string[] ServiceCells(ServiceReport row)
    {
        var noPlan = row.Has(GapKind.NoPlan);
        var observedMissing = ReportText.Observed(row);
        return
        [
            row.Namespace,
            row.Name,
            noPlan ? "no plan" : row.Accelerator ?? ReportText.NotApplicable,
            ReportText.Precision(row.Precision),
            row.Replicas is { } r ? r.ToString(System.Globalization.CultureInfo.InvariantCulture) : ReportText.NotApplicable,
            ReportText.Or(row.CostPerHour, ReportText.Usd4, CostMissing(row)),
            ReportText.Or(row.CostPerMonth, ReportText.Usd, CostMissing(row)),
            row.Inferences is { } n ? ReportText.Integer(n) : observedMissing,
            ReportText.Or(row.CostPerMillion, ReportText.Usd4, row.Traffic == TrafficState.ZeroTraffic ? "n/a (zero traffic)" : observedMissing),
            ReportText.Or(row.Utilisation, u => ReportText.Percent(u * 100m), observedMissing),
            ReportText.Or(row.KwhPerMonth, v => ReportText.Number(v, 2)),
            ReportText.Or(row.KgCo2ePerMonth, v => ReportText.Number(v, 2)),
            ReportText.Or(row.SavingsPercent, ReportText.Percent),
            ReportText.Or(row.SavingsPerMonth, ReportText.Usd),
            row.Opportunities.Count > 0 ? row.Opportunities[0].Summary : "",
            string.Join("; ", row.Gaps.Where(g => g.Kind is not GapKind.NoPrometheus).Select(g => g.Message)),
        ];
    }

    private static string CostMissing(ServiceReport row) =>
        row.Has(GapKind.NoPlan) ? "n/a (no plan)" : row.Has(GapKind.PriceMissing) ? "n/a (price missing)" : ReportText.NotApplicable;

    private static string[] TotalCells(ReportTotals totals, FinOpsReport report, string label)
    {
        var observedMissing = report.TrafficAvailable ? ReportText.NotApplicable : ReportText.NoPrometheus;
        return
        [
            totals.Namespace is null ? label : totals.Namespace,
            totals.Namespace is null ? "" : "total",
            "",
            "",
            totals.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ReportText.Usd4(totals.CostPerHour),
            ReportText.Usd(totals.CostPerMonth),
            totals.Inferences is { } n ? ReportText.Integer(n) : observedMissing,
            ReportText.Or(totals.CostPerMillion, ReportText.Usd4, observedMissing),
            ReportText.Or(totals.Utilisation, u => ReportText.Percent(u * 100m), observedMissing),
            ReportText.Number(totals.KwhPerMonth, 2),
            ReportText.Number(totals.KgCo2ePerMonth, 2),
            ReportText.Or(totals.SavingsPercent, ReportText.Percent),
            ReportText.Usd(totals.SavingsPerMonth),
            "",
            totals.ServicesWithoutCost > 0 ? Excluded(totals.ServicesWithoutCost) : "",
        ];
    }

    /// <summary>"excludes 1 service without cost (no plan or no price)".</summary>
    internal static string Excluded(int count) =>
        "excludes " + count.ToString(System.Globalization.CultureInfo.InvariantCulture) + (count == 1 ? " service" : " services") + " without cost (no plan or no price)";
}
