namespace InferenceOperator.Reports;

/// <summary>
/// The report's rounding rules, in one place (docs/finops.md states them for readers):
/// <list type="number">
/// <item>Arithmetic runs in <see cref="decimal"/> from the inputs (prices, watts, replicas, busy ratio, inferences), so no
/// binary floating-point error reaches a cent.</item>
/// <item>Each service figure is computed from unrounded inputs and rounded once, half away from zero: money to the cent
/// ($/hour and $/1M to 4 decimals), kWh and kg CO2e to 0.01, watts to 0.1, utilisation to 0.001, percentages to 0.1.</item>
/// <item>Figures derived from other shown figures use the rounded ones: $/1M = window cost / inferences x 1e6,
/// savings = baseline $/month - $/month, savings % = savings / baseline x 100.</item>
/// <item>Namespace and grand totals are sums of the rounded service figures (never rounded again), so the services add up to
/// the namespace and the namespaces to the grand total, to the cent. Totals' ratios ($/1M, savings %) use the summed figures.</item>
/// </list>
/// </summary>
public static class ReportRounding
{
    /// <summary>Hours in a month: the planner's 730 (8,760 / 12).</summary>
    public const decimal HoursPerMonth = 730m;

    public static decimal Cents(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    public static decimal Round(decimal value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);

    /// <summary>A double input as decimal (15 significant digits: the double's shortest faithful value, e.g. 0.1 stays 0.1); null for NaN or infinities.</summary>
    public static decimal? ToDecimal(double? value) =>
        value is { } v && double.IsFinite(v) && Math.Abs(v) < 7.9e27 ? (decimal)v : null;
}
