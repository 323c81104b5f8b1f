using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace InferenceOperator.Reports.Rendering;

/// <summary>
/// JSON with a stable schema (<see cref="FinOpsReport.SchemaVersion"/>): every key is always present, in a fixed order; a missing
/// figure is null and the row's "gaps" say why. Money has fixed decimals (2, or 4 for $/hour and $/1M) so the text is stable.
/// </summary>
public static class JsonReportWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NewLine = "\n" };

    public static string Write(FinOpsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteString("schema", FinOpsReport.SchemaVersion);
            json.WriteString("generatedAt", report.GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteString("window", ReportText.Window(report.Window));
            Number(json, "windowHours", report.WindowHours, 2);
            json.WriteString("rounding", "each service figure rounded once, half away from zero (money to the cent; $/hour and $/1M to 4 decimals); totals are sums of the rounded service figures");
            json.WriteStartObject("traffic");
            json.WriteBoolean("available", report.TrafficAvailable);
            String(json, "reason", report.TrafficUnavailableReason);
            json.WriteEndObject();
            json.WriteStartArray("services");
            foreach (var s in report.Services)
            {
                Service(json, s);
            }

            json.WriteEndArray();
            json.WriteStartArray("namespaces");
            foreach (var t in report.Namespaces)
            {
                Totals(json, t);
            }

            json.WriteEndArray();
            json.WritePropertyName("total");
            Totals(json, report.Total);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Service(Utf8JsonWriter json, ServiceReport s)
    {
        json.WriteStartObject();
        json.WriteString("namespace", s.Namespace);
        json.WriteString("name", s.Name);
        json.WriteString("policy", s.Policy);
        json.WriteString("objective", ReportText.Objective(s.Objective));
        String(json, "accelerator", s.Accelerator);
        String(json, "precision", s.Precision is null ? null : ReportText.Precision(s.Precision));
        Integer(json, "replicas", s.Replicas);
        Number(json, "costPerHour", s.CostPerHour, 4);
        Number(json, "costPerMonth", s.CostPerMonth, 2);
        Number(json, "windowCost", s.WindowCost, 2);
        json.WriteString("traffic", s.Traffic switch
        {
            TrafficState.Observed => "observed",
            TrafficState.ZeroTraffic => "zeroTraffic",
            TrafficState.NoData => "noData",
            _ => "noPrometheus",
        });
        Integer(json, "inferences", s.Inferences);
        Number(json, "costPerMillion", s.CostPerMillion, 4);
        Number(json, "utilisation", s.Utilisation, 3);
        Number(json, "powerWatts", s.PowerWatts, 1);
        Number(json, "kwhPerMonth", s.KwhPerMonth, 2);
        Number(json, "kgCo2ePerMonth", s.KgCo2ePerMonth, 2);
        String(json, "baselineAccelerator", s.BaselineAccelerator);
        Number(json, "baselineCostPerMonth", s.BaselineCostPerMonth, 2);
        Number(json, "savingsPerMonth", s.SavingsPerMonth, 2);
        Number(json, "savingsPercent", s.SavingsPercent, 1);
        json.WriteStartArray("opportunities");
        foreach (var o in s.Opportunities)
        {
            json.WriteStartObject();
            json.WriteString("change", o.Change);
            json.WriteString("accelerator", o.Accelerator);
            json.WriteString("precision", ReportText.Precision(o.Precision));
            json.WriteNumber("maxBatchSize", o.MaxBatchSize);
            json.WriteNumber("replicas", o.Replicas);
            Number(json, "costPerMonth", o.CostPerMonth, 2);
            Number(json, "savingsPerMonth", o.SavingsPerMonth, 2);
            Number(json, "savingsPercent", o.SavingsPercent, 1);
            Number(json, "kwhPerMonthChange", o.KwhPerMonthChange, 2);
            json.WriteString("quality", o.Quality);
            json.WriteString("summary", o.Summary);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("gaps");
        foreach (var g in s.Gaps)
        {
            json.WriteStartObject();
            json.WriteString("kind", JsonNamingPolicy.CamelCase.ConvertName(g.Kind.ToString()));
            json.WriteString("message", g.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Totals(Utf8JsonWriter json, ReportTotals t)
    {
        json.WriteStartObject();
        String(json, "namespace", t.Namespace);
        json.WriteNumber("services", t.Services);
        json.WriteNumber("servicesWithoutCost", t.ServicesWithoutCost);
        json.WriteNumber("replicas", t.Replicas);
        Number(json, "costPerHour", t.CostPerHour, 4);
        Number(json, "costPerMonth", t.CostPerMonth, 2);
        Number(json, "windowCost", t.WindowCost, 2);
        Integer(json, "inferences", t.Inferences);
        Number(json, "costPerMillion", t.CostPerMillion, 4);
        Number(json, "utilisation", t.Utilisation, 3);
        Number(json, "powerWatts", t.PowerWatts, 1);
        Number(json, "kwhPerMonth", t.KwhPerMonth, 2);
        Number(json, "kgCo2ePerMonth", t.KgCo2ePerMonth, 2);
        Number(json, "baselineCostPerMonth", t.BaselineCostPerMonth, 2);
        Number(json, "savingsPerMonth", t.SavingsPerMonth, 2);
        Number(json, "savingsPercent", t.SavingsPercent, 1);
        json.WriteEndObject();
    }

    private static void String(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void Integer(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, decimal? value, int decimals)
    {
        json.WritePropertyName(name);
        if (value is { } v)
        {
            json.WriteRawValue(v.ToString("0." + new string('0', decimals), CultureInfo.InvariantCulture), skipInputValidation: true);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
