using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using InferenceOperator.Reports.Rendering;
using Xunit;

namespace InferenceOperator.Reports.Tests;

public sealed partial class RenderingTests
{
    private readonly FinOpsReport report = Fixtures.Report();

    [Fact]
    public void Should_MatchGoldenCsv()
    {
        var csv = CsvReportWriter.Write(report);

        Golden.AssertMatches("report.csv", csv);
        Assert.Equal(string.Join(',', CsvReportWriter.Header), csv[..csv.IndexOf('\n', StringComparison.Ordinal)]);
    }

    [Fact]
    public void Should_MatchGoldenJson()
    {
        Golden.AssertMatches("report.json", JsonReportWriter.Write(report));
    }

    [Fact]
    public void Should_WriteTheSameNumbers_In_CsvAndJson()
    {
        using var json = JsonDocument.Parse(JsonReportWriter.Write(report));
        var lines = CsvReportWriter.Write(report).TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        var classifier = lines.Single(l => l.StartsWith("service,team-a,classifier,", StringComparison.Ordinal)).Split(',');
        var jsonClassifier = json.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "classifier");

        Assert.Equal("1468.76", classifier[Array.IndexOf(header, "cost_per_month_usd")]);
        Assert.Equal(1468.76m, jsonClassifier.GetProperty("costPerMonth").GetDecimal());
        Assert.Equal("11.1779", classifier[Array.IndexOf(header, "cost_per_million_usd")]);
        Assert.Equal(11.1779m, jsonClassifier.GetProperty("costPerMillion").GetDecimal());
        Assert.Equal(4777.30m, json.RootElement.GetProperty("total").GetProperty("costPerMonth").GetDecimal());
        Assert.Equal("total,,,,,,,6,6.5443,4777.30,168.00,1099.44,31240000,32.5999,0.200,392.5,286.53,59.86,,11786.58,7009.28,59.5,,", lines[^1]);
    }

    [Fact]
    public void Should_KeepEveryJsonKey_When_FiguresAreMissing()
    {
        var bad = new ReportBuilder().Build(Fixtures.Request([BadInputTests.Unplanned()]), Traffic.TrafficSnapshot.Unavailable("no Prometheus"));
        using var full = JsonDocument.Parse(JsonReportWriter.Write(report));
        using var sparse = JsonDocument.Parse(JsonReportWriter.Write(bad));

        var fullKeys = full.RootElement.GetProperty("services")[0].EnumerateObject().Select(p => p.Name).ToList();
        var sparseService = sparse.RootElement.GetProperty("services")[0];
        Assert.Equal(fullKeys, sparseService.EnumerateObject().Select(p => p.Name).ToList());
        Assert.Equal(JsonValueKind.Null, sparseService.GetProperty("costPerMonth").ValueKind);
        Assert.Equal("noPlan", sparseService.GetProperty("gaps")[0].GetProperty("kind").GetString());
        Assert.Equal(FinOpsReport.SchemaVersion, sparse.RootElement.GetProperty("schema").GetString());
    }

    [Fact]
    public void Should_WriteAnInvariantCultureCsv_When_TheCurrentCultureUsesDecimalCommas()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture.Clone() is CultureInfo c ? WithComma(c) : previous;
            Assert.Equal(CsvReportWriter.Write(Fixtures.Report()), CsvReportWriter.Write(report));
            Assert.Contains(",1468.76,", CsvReportWriter.Write(report), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Should_RenderOneSelfContainedHtmlFile_WithNoExternalResources()
    {
        var html = HtmlReportWriter.Write(report);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        // The only URL is the SVG namespace.
        Assert.All(UrlPattern().Matches(html), m => Assert.Equal("http://www.w3.org/2000/svg", m.Value));
        Assert.Equal(4, Svgs(html).Count);
    }

    [Fact]
    public void Should_DrawCostByService_WithEachServicesMonthlyCost()
    {
        var svg = Svgs(HtmlReportWriter.Write(report))[HtmlReportWriter.CostByServiceId];

        Assert.Equal(
            new Dictionary<string, string> { ["team-a/classifier"] = "1468.76", ["team-a/embedder"] = "352.04", ["team-b/detector"] = "2956.50" },
            Bars(svg, "cost_per_month_usd"));
        var labels = svg.Descendants(Svg("text")).Select(t => t.Value).ToList();
        Assert.Contains("$1,468.76", labels);
        Assert.Contains("$2,956.50", labels);
        // Bar lengths are proportional: the largest bar is the widest.
        var widths = svg.Descendants(Svg("rect")).Where(r => (string?)r.Attribute("class") == "bar")
            .ToDictionary(r => (string)r.Attribute("data-category")!, r => double.Parse((string)r.Attribute("width")!, CultureInfo.InvariantCulture));
        Assert.True(widths["team-b/detector"] > widths["team-a/classifier"] && widths["team-a/classifier"] > widths["team-a/embedder"]);
    }

    [Fact]
    public void Should_DrawCostVsBaseline_WithBothSeries()
    {
        var svg = Svgs(HtmlReportWriter.Write(report))[HtmlReportWriter.CostVsBaselineId];

        Assert.Equal("1468.76", Bars(svg, "cost_per_month_usd")["team-a/classifier"]);
        Assert.Equal(
            new Dictionary<string, string> { ["team-a/classifier"] = "5887.45", ["team-a/embedder"] = "2929.49", ["team-b/detector"] = "2969.64" },
            Bars(svg, "baseline_cost_per_month_usd"));
    }

    [Fact]
    public void Should_DrawEnergyAndCo2e_ByNamespace()
    {
        var svgs = Svgs(HtmlReportWriter.Write(report));

        Assert.Equal(new Dictionary<string, string> { ["team-a"] = "104.03", ["team-b"] = "182.50" }, Bars(svgs[HtmlReportWriter.EnergyByNamespaceId], "kwh_per_month"));
        Assert.Equal(new Dictionary<string, string> { ["team-a"] = "41.61", ["team-b"] = "18.25" }, Bars(svgs[HtmlReportWriter.Co2eByNamespaceId], "kg_co2e_per_month"));
    }

    [Fact]
    public void Should_ShowNotApplicable_InsteadOfABar_When_AFigureIsMissing()
    {
        var services = Fixtures.Services();
        services.Add(BadInputTests.Unplanned());
        var html = HtmlReportWriter.Write(new ReportBuilder().Build(Fixtures.Request(services), Fixtures.Traffic()));
        var svg = Svgs(html)[HtmlReportWriter.CostByServiceId];

        Assert.DoesNotContain("team-a/unplanned", Bars(svg, "cost_per_month_usd").Keys);
        Assert.Contains(svg.Descendants(Svg("text")), t => (string?)t.Attribute("data-category") == "team-a/unplanned" && t.Value == "n/a");
    }

    [Fact]
    public void Should_RenderMarkdown_WithTotalsOpportunitiesAndTheRoundingRule()
    {
        var md = MarkdownReportWriter.Write(report);

        Assert.Contains("| team-a | classifier | gpu-small | fp16 | 2 | $2.0120 | $1,468.76 | 30,240,000 | $11.1779 | 50.0% |", md, StringComparison.Ordinal);
        Assert.Contains("| **team-a** | **total** |", md, StringComparison.Ordinal);
        Assert.Contains("| **TOTAL** |", md, StringComparison.Ordinal);
        Assert.Contains("**$4,777.30**", md, StringComparison.Ordinal);
        Assert.Contains("team-a/classifier: allow int8: int8 passes the quality gate", md, StringComparison.Ordinal);
        Assert.Contains("team-a/embedder: zero inferences in the window", md, StringComparison.Ordinal);
        Assert.Contains("totals are sums of the rounded service figures", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_BuildTableRows_ServicesThenNamespaceTotalThenGrandTotal()
    {
        var table = ReportTable.From(report);

        Assert.Equal(
            [ReportRowKind.Service, ReportRowKind.Service, ReportRowKind.NamespaceTotal, ReportRowKind.Service, ReportRowKind.NamespaceTotal, ReportRowKind.GrandTotal],
            table.Rows.Select(r => r.Kind));
        Assert.All(table.Rows, r => Assert.Equal(table.Columns.Count, r.Cells.Count));
        Assert.Equal("Inferences (7d)", table.Columns[7]);
        Assert.Equal("n/a (zero traffic)", table.Rows[1].Cells[8]);
        Assert.Equal("$4,777.30", table.Rows[^1].Cells[6]);
    }

    [Fact]
    public void Should_ShortenLongServiceLabels_But_KeepTheFullNameInTheData()
    {
        var longName = "a-very-long-inference-service-name-indeed";
        var services = new List<Api.InferenceService> { Fixtures.Service("team-a", longName, "cheap", 10, 100, Fixtures.Plan("gpu-small", Api.Precision.Fp16, 1, 30), 1, null) };
        var svg = Svgs(HtmlReportWriter.Write(new ReportBuilder().Build(Fixtures.Request(services), Fixtures.Traffic())))[HtmlReportWriter.CostByServiceId];

        Assert.Contains("team-a/" + longName, Bars(svg, "cost_per_month_usd").Keys);
        Assert.Contains(svg.Descendants(Svg("text")), t => t.Value == "team-a/a-very-long-inference-se\u2026");
        Assert.DoesNotContain(svg.Descendants(Svg("text")), t => t.Value == "team-a/" + longName);
    }

    [Theory]
    [InlineData("csv", ReportFormat.Csv)]
    [InlineData("JSON", ReportFormat.Json)]
    [InlineData("md", ReportFormat.Markdown)]
    [InlineData("markdown", ReportFormat.Markdown)]
    [InlineData("html", ReportFormat.Html)]
    public void Should_ParseOutputFormats(string text, ReportFormat expected)
    {
        Assert.True(ReportRenderer.TryParse(text, out var format));
        Assert.Equal(expected, format);
        Assert.False(string.IsNullOrEmpty(ReportRenderer.Render(report, format)));
    }

    [Fact]
    public void Should_RejectUnknownFormats()
    {
        Assert.False(ReportRenderer.TryParse("xlsx", out _));
        Assert.False(ReportRenderer.TryParse(null, out _));
    }

    internal static Dictionary<string, XElement> Svgs(string html) =>
        SvgPattern().Matches(html).Select(m => XElement.Parse(m.Value)).ToDictionary(e => (string)e.Attribute("id")!);

    private static Dictionary<string, string> Bars(XElement svg, string series) =>
        svg.Descendants(Svg("rect"))
            .Where(r => (string?)r.Attribute("class") == "bar" && (string?)r.Attribute("data-series") == series)
            .ToDictionary(r => (string)r.Attribute("data-category")!, r => (string)r.Attribute("data-value")!);

    private static XName Svg(string name) => XName.Get(name, "http://www.w3.org/2000/svg");

    private static CultureInfo WithComma(CultureInfo culture)
    {
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        return culture;
    }

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgPattern();

    [GeneratedRegex("https?://[^\"' )<]+")]
    private static partial Regex UrlPattern();
}
