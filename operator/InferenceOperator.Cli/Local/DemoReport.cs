using System.Globalization;
using InferenceOperator.Cli.Planning;
using InferenceOperator.Serving.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace InferenceOperator.Cli.Local;

/// <summary>
/// The FinOps figures for what the demo ran: cost per million inferences from the throughput actually measured
/// (not from allocation), energy and CO2e from the power model, and the planned cluster figures beside them.
/// </summary>
internal static class DemoReport
{
    private const double HoursPerMonth = 730;

    public static IRenderable Render(LocalPlan local, ServicePlan cluster, LoadLevelResult load)
    {
        var cpu = LocalMachine.Cpu();
        var measured = load.Throughput;
        var predicted = local.Local.Chosen?.ThroughputPerReplicaRps ?? 0;
        var costPerMillion = measured > 0 ? cpu.PricePerHour / (measured * 3600) * 1e6 : double.NaN;
        // A saturated closed loop keeps the engine busy: power at the board figure while measured.
        var watts = cpu.BoardPowerWatts;
        var whPerThousand = measured > 0 ? watts / (measured * 3600) * 1000 : double.NaN;
        var gramsPerThousand = whPerThousand / 1000 * local.Policy.CarbonIntensityGramsPerKwh;
        var kwhPerMonth = watts * HoursPerMonth / 1000;

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("").AddColumn("accelerator").AddColumn("precision").AddColumn(new TableColumn("inf/s per replica").RightAligned())
            .AddColumn(new TableColumn("$/h").RightAligned()).AddColumn(new TableColumn("$/1M inferences").RightAligned())
            .AddColumn(new TableColumn("Wh/1k").RightAligned()).AddColumn(new TableColumn("gCO2e/1k").RightAligned());
        table.AddRow("measured here", cpu.Name, local.Local.Chosen?.Precision.ToString().ToLowerInvariant() ?? "-", F(measured, "0.0"),
            F(cpu.PricePerHour, "0.000"), F(costPerMillion, "0.000"), F(whPerThousand, "0.000"), F(gramsPerThousand, "0.000"));
        if (local.Local.Chosen is { } planned)
        {
            table.AddRow("planned here", planned.Accelerator, planned.Precision.ToString().ToLowerInvariant(), F(planned.ThroughputPerReplicaRps, "0.0"),
                F(planned.CostPerHour / planned.Replicas, "0.000"), F(planned.CostPerMillionInferences, "0.000"),
                F(planned.WattHoursPer1kInferences, "0.000"), F(planned.GramsCo2ePer1kInferences, "0.000"));
        }

        if (cluster.Plan.Chosen is { } chosen)
        {
            table.AddRow($"planned on a cluster ({chosen.Replicas} replicas)", chosen.Accelerator, chosen.Precision.ToString().ToLowerInvariant(),
                F(chosen.ThroughputPerReplicaRps, "0.0"), F(chosen.CostPerHour, "0.00"), F(chosen.CostPerMillionInferences, "0.000"),
                F(chosen.WattHoursPer1kInferences, "0.000"), F(chosen.GramsCo2ePer1kInferences, "0.000"));
        }

        if (cluster.Plan.Baseline is { } baseline)
        {
            table.AddRow($"naive baseline ({baseline.Replicas} replicas)", baseline.Accelerator, "fp32, batch 1",
                F(baseline.ThroughputPerReplicaRps, "0.0"), F(baseline.CostPerHour, "0.00"), F(baseline.CostPerMillionInferences, "0.000"),
                F(baseline.WattHoursPer1kInferences, "0.000"), F(baseline.GramsCo2ePer1kInferences, "0.000"));
        }

        var lines = new List<IRenderable> { table };
        // The rows divide by different traffic: say which, or a reader compares full-load cost with cost at the SLO's peak.
        var clusterPeak = cluster.Plan.Chosen is not null ? string.Create(CultureInfo.InvariantCulture, $", {cluster.Service.Spec.Slo.ThroughputRps:0.#} on the cluster") : "";
        lines.Add(new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[grey]per-inference columns: the measured row at full load (the closed loop kept the engine busy); planned rows at the SLO's peak traffic ({local.Service.Spec.Slo.ThroughputRps:0.#} inf/s here{clusterPeak}), idle capacity included[/]")));
        lines.Add(new Markup(string.Create(CultureInfo.InvariantCulture,
            $"this machine at full load: {watts:0} W, {kwhPerMonth:0.0} kWh and {kwhPerMonth * local.Policy.CarbonIntensityGramsPerKwh / 1000:0.0} kg CO2e per month at {local.Policy.CarbonIntensityGramsPerKwh:0} g/kWh")));
        if (predicted > 0 && measured > 0)
        {
            var ratio = measured / predicted;
            lines.Add(new Markup(string.Create(CultureInfo.InvariantCulture,
                $"planner's predicted throughput {predicted:0.0} inf/s vs measured {measured:0.0} inf/s: ratio {ratio:0.00} ({(Math.Abs(ratio - 1) <= 0.2 ? "[green]within ±20%[/]" : "[yellow]outside ±20%[/]")}; the engine ran {load.Concurrency} clients at batch ≤ {local.Local.Chosen!.MaxBatchSize})")));
        }

        if (cluster.Plan.Chosen is not null && cluster.Plan.Baseline is not null)
        {
            lines.Add(new Markup(string.Create(CultureInfo.InvariantCulture,
                $"on a cluster: [green]{cluster.Plan.SavingsPercent:0.#}%[/] cheaper than {cluster.Plan.Baseline.Accelerator}/fp32/batch 1, [green]${cluster.Plan.SavingsPerMonth:N0}[/] per month")));
        }

        lines.Add(new Markup("[grey]measured on this machine's CPU (shared, AVX2 without VNNI); prices are the catalog's illustrative list prices[/]"));
        return new Rows(lines);
    }

    private static string F(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
