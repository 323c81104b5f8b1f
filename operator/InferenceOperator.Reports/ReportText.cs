using System.Globalization;
using InferenceOperator.Api;

namespace InferenceOperator.Reports;

/// <summary>Invariant-culture text of report figures, shared by the table, Markdown and HTML (CSV and JSON write plain numbers).</summary>
public static class ReportText
{
    public const string NotApplicable = "n/a";

    public const string NoPrometheus = "n/a (no Prometheus)";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"$1,468.76"; negative "-$3.20".</summary>
    public static string Usd(decimal value) => (value < 0 ? "-$" : "$") + Math.Abs(value).ToString("#,0.00", Inv);

    /// <summary>"$0.4823" for $/hour and $/1M (4 decimals).</summary>
    public static string Usd4(decimal value) => (value < 0 ? "-$" : "$") + Math.Abs(value).ToString("#,0.0000", Inv);

    public static string Number(decimal value, int decimals) => value.ToString("#,0." + new string('0', decimals), Inv);

    public static string Integer(long value) => value.ToString("#,0", Inv);

    public static string Percent(decimal value) => value.ToString("0.0", Inv) + "%";

    public static string Precision(Precision? precision) => precision switch
    {
        Api.Precision.Fp32 => "fp32",
        Api.Precision.Fp16 => "fp16",
        Api.Precision.Int8 => "int8",
        Api.Precision.Int4 => "int4",
        _ => NotApplicable,
    };

    public static string Objective(Objective objective) => objective switch
    {
        Api.Objective.Energy => "energy",
        Api.Objective.Carbon => "carbon",
        Api.Objective.Latency => "latency",
        Api.Objective.Balanced => "balanced",
        _ => "cost",
    };

    /// <summary>"7d", "36h", "90m": the window as people write it.</summary>
    public static string Window(TimeSpan window) =>
        window.TotalDays >= 1 && window.TotalDays == Math.Floor(window.TotalDays) ? window.TotalDays.ToString(Inv) + "d"
        : window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? window.TotalHours.ToString(Inv) + "h"
        : Math.Max(1, Math.Round(window.TotalMinutes)).ToString(Inv) + "m";

    /// <summary>What an observed column shows when it has no value: "n/a (no Prometheus)" or "n/a".</summary>
    public static string Observed(ServiceReport row) => row.Traffic == TrafficState.NoPrometheus ? NoPrometheus : NotApplicable;

    public static string Or(decimal? value, Func<decimal, string> format, string missing = NotApplicable) =>
        value is { } v ? format(v) : missing;
}
