using System.Globalization;
using System.Net;
using System.Text;

namespace InferenceOperator.Reports.Rendering;

/// <summary>One series of a bar chart: a key (written to data-series), a legend label, a colour and one value per category (null: n/a).</summary>
internal sealed record ChartSeries(string Key, string Label, string Color, IReadOnlyList<decimal?> Values);

/// <summary>
/// Hand-written inline SVG horizontal bar charts. Every bar is a rect carrying data-series, data-category and data-value (the
/// figure as in the CSV), followed by a text label with the formatted figure, so the chart is checkable and readable without script.
/// </summary>
internal static class SvgChart
{
    private const int Width = 900;
    private const int LabelWidth = 220;
    private const int ValueWidth = 130;
    private const int BarHeight = 18;
    private const int GroupGap = 10;
    private const int Top = 52;
    private const int MaxLabelChars = 32;

    public static string Bars(string id, string title, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, Func<decimal, string> format, int decimals)
    {
        var groupHeight = (series.Count * BarHeight) + GroupGap;
        var height = Top + (Math.Max(1, categories.Count) * groupHeight) + 12;
        var max = series.SelectMany(s => s.Values).Where(v => v is > 0).Select(v => v!.Value).DefaultIfEmpty(0m).Max();
        var plotWidth = Width - LabelWidth - ValueWidth;
        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\"{Attr(title)}\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n"));
        svg.Append("<title>").Append(Text(title)).Append("</title>\n");
        svg.Append(Inv($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Inv($"<text x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"600\" fill=\"#1f2933\">{Text(title)}</text>\n"));
        var legendX = LabelWidth;
        foreach (var s in series)
        {
            svg.Append(Inv($"<rect class=\"legend\" data-series=\"{Attr(s.Key)}\" x=\"{legendX}\" y=\"30\" width=\"12\" height=\"12\" fill=\"{s.Color}\"/>"));
            svg.Append(Inv($"<text x=\"{legendX + 16}\" y=\"40\" fill=\"#1f2933\">{Text(s.Label)}</text>\n"));
            legendX += 24 + (s.Label.Length * 7);
        }

        for (var c = 0; c < categories.Count; c++)
        {
            var groupTop = Top + (c * groupHeight);
            svg.Append(Inv($"<text x=\"{LabelWidth - 8}\" y=\"{groupTop + (series.Count * BarHeight / 2) + 4}\" text-anchor=\"end\" fill=\"#1f2933\">{Text(Short(categories[c]))}</text>\n"));
            for (var k = 0; k < series.Count; k++)
            {
                var s = series[k];
                var y = groupTop + (k * BarHeight);
                var value = c < s.Values.Count ? s.Values[c] : null;
                if (value is not { } v)
                {
                    svg.Append(Inv($"<text class=\"na\" data-series=\"{Attr(s.Key)}\" data-category=\"{Attr(categories[c])}\" x=\"{LabelWidth + 4}\" y=\"{y + 13}\" fill=\"#7b8794\">n/a</text>\n"));
                    continue;
                }

                var barWidth = max > 0 && v > 0 ? Math.Max(1.0, (double)(v / max) * plotWidth) : 0.0;
                var number = v.ToString("0." + new string('0', decimals), CultureInfo.InvariantCulture);
                svg.Append(Inv($"<rect class=\"bar\" data-series=\"{Attr(s.Key)}\" data-category=\"{Attr(categories[c])}\" data-value=\"{number}\" x=\"{LabelWidth}\" y=\"{y + 2}\" width=\"{barWidth:0.##}\" height=\"{BarHeight - 4}\" fill=\"{s.Color}\"><title>{Text(categories[c] + ": " + format(v))}</title></rect>"));
                svg.Append(Inv($"<text class=\"value\" data-series=\"{Attr(s.Key)}\" x=\"{LabelWidth + barWidth + 6:0.##}\" y=\"{y + 14}\" fill=\"#1f2933\">{Text(format(v))}</text>\n"));
            }
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Category labels longer than the label area holds end in an ellipsis (data-category keeps the full name).</summary>
    internal static string Short(string label) => label.Length <= MaxLabelChars ? label : label[..(MaxLabelChars - 1)] + "\u2026";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Text(string text) => WebUtility.HtmlEncode(text);

    private static string Attr(string text) => WebUtility.HtmlEncode(text);
}
