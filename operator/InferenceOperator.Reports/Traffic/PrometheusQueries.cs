using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace InferenceOperator.Reports.Traffic;

/// <summary>
/// The PromQL the report runs (documented in docs/finops.md). The serving engine exports
/// inference_requests_total{model,code} and inference_busy_ratio{model}, with model = the InferenceService name;
/// the scrape adds the namespace label (kube-prometheus ServiceMonitor/PodMonitor do).
/// </summary>
public static class PrometheusQueries
{
    /// <summary>Successful inferences per service over the window: <c>sum by (namespace, model) (increase(inference_requests_total{code="200",model=~"a|b"}[604800s]))</c>.</summary>
    public static string Inferences(IEnumerable<string> models, TimeSpan window, string? namespaceLabel) =>
        "sum by (" + By(namespaceLabel) + ") (increase(inference_requests_total{code=\"200\",model=~\"" + ModelRegex(models) + "\"}[" + Range(window) + "]))";

    /// <summary>Mean busy ratio per service over pods and the window: <c>avg by (namespace, model) (avg_over_time(inference_busy_ratio{model=~"a|b"}[604800s]))</c>.</summary>
    public static string BusyRatio(IEnumerable<string> models, TimeSpan window, string? namespaceLabel) =>
        "avg by (" + By(namespaceLabel) + ") (avg_over_time(inference_busy_ratio{model=~\"" + ModelRegex(models) + "\"}[" + Range(window) + "]))";

    /// <summary>A range selector in whole seconds ("604800s" for 7 days); at least one second.</summary>
    public static string Range(TimeSpan window) =>
        Math.Max(1L, (long)Math.Round(window.TotalSeconds, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture) + "s";

    private static string By(string? namespaceLabel) => string.IsNullOrEmpty(namespaceLabel) ? "model" : namespaceLabel + ", model";

    // Service names are DNS names ([a-z0-9.-]); escape anyway, then escape backslashes for the PromQL string literal.
    private static string ModelRegex(IEnumerable<string> models)
    {
        var regex = new StringBuilder();
        foreach (var model in models.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (regex.Length > 0)
            {
                regex.Append('|');
            }

            regex.Append(Regex.Escape(model).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
        }

        return regex.ToString();
    }
}
