using System.Text.RegularExpressions;

namespace InferenceOperator.Monitoring.Tests;

/// <summary>
/// Finds the metric names a PromQL expression selects. Not a parser: it strips what cannot be a metric name
/// (strings, label matchers, range/subquery brackets, grouping label lists, Grafana variables), then keeps the
/// identifiers that are neither function calls nor keywords. Tests below pin it on known expressions.
/// </summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN" };

    public static IReadOnlyList<string> MetricNames(string expr)
    {
        var text = Strings().Replace(expr, " ");
        text = Matchers().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        text = Variables().Replace(text, " ");
        return Identifiers().Matches(text)
            .Where(m => !Keywords.Contains(m.Value) && !IsCall(text, m.Index + m.Length))
            .Select(m => m.Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Each <c>name{matchers}</c> selector in the expression: the metric name and the label names it matches on.</summary>
    public static IEnumerable<(string Metric, IReadOnlyList<string> Labels)> Selectors(string expr)
    {
        var text = Strings().Replace(expr, " ");
        foreach (Match selector in Selector().Matches(text))
        {
            yield return (selector.Groups["name"].Value, MatcherLabel().Matches(selector.Groups["matchers"].Value).Select(m => m.Groups["label"].Value).ToList());
        }
    }

    /// <summary>prometheus-adapter's metricsQuery with its template filled in as the adapter would (series, matchers, grouping).</summary>
    public static string ExpandAdapterTemplate(string template, string series) => template
        .Replace("<<.Series>>", series, StringComparison.Ordinal)
        .Replace("<<.LabelMatchers>>", "namespace=\"default\",pod=~\"a|b\"", StringComparison.Ordinal)
        .Replace("<<.GroupBy>>", "pod", StringComparison.Ordinal);

    /// <summary>The selector of a Grafana variable query <c>label_values(selector, label)</c>.</summary>
    public static string LabelValuesSelector(string query)
    {
        var match = LabelValues().Match(query);
        return match.Success ? match.Groups["selector"].Value : throw new FormatException("not label_values(selector, label): " + query);
    }

    private static bool IsCall(string text, int end)
    {
        while (end < text.Length && char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        return end < text.Length && text[end] == '(';
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\$\{[^}]*\}|\$\w+")]
    private static partial Regex Variables();

    [GeneratedRegex(@"(?<![\w.:$])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifiers();

    [GeneratedRegex(@"(?<![\w.:$])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)\s*\{(?<matchers>[^{}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex MatcherLabel();

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>.+),\s*\w+\s*\)\s*$")]
    private static partial Regex LabelValues();
}
