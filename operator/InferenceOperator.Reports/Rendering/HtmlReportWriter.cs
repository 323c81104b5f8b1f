using System.Net;
using System.Text;

namespace InferenceOperator.Reports.Rendering;

/// <summary>
/// One self-contained HTML file: inline CSS, inline SVG charts, no script and no external resource. Charts (each an svg with an
/// id): <c>chart-cost-by-service</c> ($/month), <c>chart-cost-vs-baseline</c> ($/month against the baseline's),
/// <c>chart-energy-by-namespace</c> (kWh/month) and <c>chart-co2e-by-namespace</c> (kg CO2e/month).
/// </summary>
public static class HtmlReportWriter
{
    public const string CostByServiceId = "chart-cost-by-service";
    public const string CostVsBaselineId = "chart-cost-vs-baseline";
    public const string EnergyByNamespaceId = "chart-energy-by-namespace";
    public const string Co2eByNamespaceId = "chart-co2e-by-namespace";

    private const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2933; background: #f5f7fa; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
        .meta { color: #52606d; margin-bottom: 16px; }
        .cards { display: flex; gap: 12px; flex-wrap: wrap; }
        .card { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 160px; }
        .card .k { color: #52606d; font-size: 12px; } .card .v { font-size: 20px; font-weight: 600; }
        .chart { background: #fff; border-radius: 8px; margin: 8px 0; max-width: 100%; height: auto; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
        table { border-collapse: collapse; background: #fff; font-size: 12px; }
        th, td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
        td.n { text-align: right; white-space: nowrap; }
        tr.namespace td { font-weight: 600; background: #f0f4f8; } tr.total td { font-weight: 700; background: #d9e2ec; }
        .gap { color: #9b2c2c; }
        """;

    public static string Write(FinOpsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>FinOps report: inference services, ").Append(E(MarkdownReportWriter.Stamp(report.GeneratedAt))).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>FinOps report: inference services</h1>\n<div class=\"meta\">As of ").Append(E(MarkdownReportWriter.Stamp(report.GeneratedAt)))
            .Append(", window ").Append(E(ReportText.Window(report.Window))).Append(". ")
            .Append(report.TrafficAvailable ? "Observed traffic from Prometheus." : "<span class=\"gap\">Observed columns " + E(ReportText.NoPrometheus) + ": " + E(report.TrafficUnavailableReason ?? "") + "</span>")
            .Append("</div>\n");

        var t = report.Total;
        html.Append("<div class=\"cards\">\n");
        Card(html, "Cost per month", ReportText.Usd(t.CostPerMonth));
        Card(html, "Savings vs baseline per month", ReportText.Usd(t.SavingsPerMonth) + (t.SavingsPercent is { } p ? " (" + ReportText.Percent(p) + ")" : ""));
        Card(html, "Observed $/1M inferences", ReportText.Or(t.CostPerMillion, ReportText.Usd4, report.TrafficAvailable ? ReportText.NotApplicable : ReportText.NoPrometheus));
        Card(html, "Energy per month", ReportText.Number(t.KwhPerMonth, 2) + " kWh");
        Card(html, "Emissions per month", ReportText.Number(t.KgCo2ePerMonth, 2) + " kg CO2e");
        html.Append("</div>\n");

        var services = report.Services.Select(s => s.Namespace + "/" + s.Name).ToList();
        html.Append("<h2>Cost by service</h2>\n");
        html.Append(SvgChart.Bars(CostByServiceId, "Cost by service ($/month)", services,
            [new ChartSeries("cost_per_month_usd", "$/month", "#2f80ed", report.Services.Select(s => s.CostPerMonth).ToList())], ReportText.Usd, 2));
        html.Append("<h2>Cost vs baseline</h2>\n");
        html.Append(SvgChart.Bars(CostVsBaselineId, "Cost vs baseline ($/month)", services,
        [
            new ChartSeries("cost_per_month_usd", "planned now", "#2f80ed", report.Services.Select(s => s.CostPerMonth).ToList()),
            new ChartSeries("baseline_cost_per_month_usd", "baseline (fp32, batch 1)", "#bcccdc", report.Services.Select(s => s.BaselineCostPerMonth).ToList()),
        ], ReportText.Usd, 2));
        var namespaces = report.Namespaces.Select(n => n.Namespace ?? "").ToList();
        html.Append("<h2>Energy and emissions by namespace</h2>\n");
        html.Append(SvgChart.Bars(EnergyByNamespaceId, "Energy by namespace (kWh/month)", namespaces,
            [new ChartSeries("kwh_per_month", "kWh/month", "#f2994a", report.Namespaces.Select(n => (decimal?)n.KwhPerMonth).ToList())], v => ReportText.Number(v, 2) + " kWh", 2));
        html.Append(SvgChart.Bars(Co2eByNamespaceId, "Emissions by namespace (kg CO2e/month)", namespaces,
            [new ChartSeries("kg_co2e_per_month", "kg CO2e/month", "#27ae60", report.Namespaces.Select(n => (decimal?)n.KgCo2ePerMonth).ToList())], v => ReportText.Number(v, 2) + " kg", 2));

        html.Append("<h2>Services</h2>\n<table>\n<thead><tr>");
        var table = ReportTable.From(report);
        foreach (var column in table.Columns)
        {
            html.Append("<th>").Append(E(column)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append(row.Kind switch
            {
                ReportRowKind.NamespaceTotal => "<tr class=\"namespace\">",
                ReportRowKind.GrandTotal => "<tr class=\"total\">",
                _ => "<tr>",
            });
            for (var i = 0; i < row.Cells.Count; i++)
            {
                html.Append(i is >= 4 and <= 13 ? "<td class=\"n\">" : "<td>").Append(E(row.Cells[i])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        html.Append("<h2>Opportunities</h2>\n<ul>\n");
        var any = false;
        foreach (var s in report.Services)
        {
            foreach (var o in s.Opportunities)
            {
                html.Append("<li><b>").Append(E(s.Namespace + "/" + s.Name)).Append("</b>: ").Append(E(o.Summary)).Append("</li>\n");
                any = true;
            }
        }

        html.Append(any ? "" : "<li>None: every service is on its cheapest plan within its quality gate.</li>\n").Append("</ul>\n");
        html.Append("<h2>Gaps</h2>\n<ul>\n");
        any = false;
        foreach (var s in report.Services)
        {
            foreach (var g in s.Gaps)
            {
                html.Append("<li class=\"gap\"><b>").Append(E(s.Namespace + "/" + s.Name)).Append("</b>: ").Append(E(g.Message)).Append("</li>\n");
                any = true;
            }
        }

        html.Append(any ? "" : "<li>None.</li>\n").Append("</ul>\n");
        html.Append("<p class=\"meta\">$/hour = replicas &times; catalog price + watts / 1000 &times; electricity price; $/month = $/hour &times; 730. ")
            .Append("$/1M inferences = window cost / inferences served &times; 1,000,000 (n/a with zero traffic). ")
            .Append("Each service figure is rounded once, half away from zero; totals are sums of the rounded service figures.</p>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string key, string value) =>
        html.Append("<div class=\"card\"><div class=\"k\">").Append(E(key)).Append("</div><div class=\"v\">").Append(E(value)).Append("</div></div>\n");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
