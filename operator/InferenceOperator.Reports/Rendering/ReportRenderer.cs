namespace InferenceOperator.Reports.Rendering;

/// <summary>Output formats besides the CLI's table.</summary>
public enum ReportFormat
{
    Csv,
    Json,
    Markdown,
    Html,
}

/// <summary>Renders a report in one of the file formats.</summary>
public static class ReportRenderer
{
    public static string Render(FinOpsReport report, ReportFormat format) => format switch
    {
        ReportFormat.Csv => CsvReportWriter.Write(report),
        ReportFormat.Json => JsonReportWriter.Write(report),
        ReportFormat.Markdown => MarkdownReportWriter.Write(report),
        ReportFormat.Html => HtmlReportWriter.Write(report),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "csv, json, markdown or html"),
    };

    /// <summary>"csv", "json", "markdown" (or "md"), "html", case-insensitive; false for anything else.</summary>
    public static bool TryParse(string? text, out ReportFormat format)
    {
        switch (text?.ToLowerInvariant())
        {
            case "csv": format = ReportFormat.Csv; return true;
            case "json": format = ReportFormat.Json; return true;
            case "markdown" or "md": format = ReportFormat.Markdown; return true;
            case "html": format = ReportFormat.Html; return true;
            default: format = default; return false;
        }
    }
}
