using System.ComponentModel;
using System.Text.Json;
using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Planning;
using InferenceOperator.Reports;
using InferenceOperator.Reports.Rendering;
using InferenceOperator.Reports.Traffic;
using k8s;
using k8s.Autorest;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>
/// `inferctl report`: cost, energy and carbon per service and namespace, with savings and opportunities; from the cluster
/// (InferenceServices' status, optionally Prometheus for observed traffic) or from offline manifests (plans only).
/// </summary>
internal sealed class ReportCommand : AsyncCommand<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <FILE>")]
        [Description("Offline: report on these manifests (planned here) instead of the cluster. Repeatable.")]
        public string[] Files { get; init; } = [];

        [CommandOption("--profile <FILE>")]
        [Description("Offline: model profile JSON for services without spec.model.profile.")]
        public string? Profile { get; init; }

        [CommandOption("--prometheus <URL>")]
        [Description("Prometheus for observed traffic (inference_requests_total, inference_busy_ratio).")]
        public string? Prometheus { get; init; }

        [CommandOption("--window <DAYS>")]
        [Description("Observation window in days.")]
        [DefaultValue(7.0)]
        public double WindowDays { get; init; } = 7;

        [CommandOption("-o|--output <FORMAT>")]
        [Description("table (default), csv, json, markdown or html.")]
        [DefaultValue("table")]
        public string Output { get; init; } = "table";

        [CommandOption("--output-file <PATH>")]
        [Description("Write to a file instead of standard output (html defaults to finops-report.html).")]
        public string? OutputFile { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.WindowDays is <= 0 or > 366)
        {
            throw new CliException($"--window {settings.WindowDays}: use a number of days from 0.01 to 366");
        }

        var request = settings.Files.Length > 0 ? Offline(settings) : await FromClusterAsync(cancellationToken);
        request = request with { Window = TimeSpan.FromDays(settings.WindowDays) };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        ITrafficSource? traffic = settings.Prometheus is null ? null : new PrometheusTrafficSource(http, PrometheusUri(settings.Prometheus));
        var report = await new ReportBuilder(traffic).BuildAsync(request, cancellationToken);

        if (settings.Output == "table")
        {
            AnsiConsole.Write(Table(ReportTable.From(report)));
            return 0;
        }

        if (!ReportRenderer.TryParse(settings.Output, out var format))
        {
            throw new CliException($"--output {settings.Output}: use table, csv, json, markdown or html");
        }

        var text = ReportRenderer.Render(report, format);
        var path = settings.OutputFile ?? (format == ReportFormat.Html ? "finops-report.html" : null);
        if (path is null)
        {
            Console.Out.Write(text);
        }
        else
        {
            await File.WriteAllTextAsync(path, text, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"wrote {path}");
        }

        return 0;
    }

    private static ReportRequest Offline(Settings settings)
    {
        var set = new ManifestReader(new CrdSchemas()).ReadFiles(settings.Files);
        if (!set.IsValid)
        {
            throw new CliException("invalid manifests: " + string.Join("; ", set.Problems));
        }

        if (settings.Profile is not null)
        {
            var profile = ServicePlanner.ReadProfile(settings.Profile);
            foreach (var service in set.Services.Where(s => s.Spec.Model.Profile is null))
            {
                service.Spec.Model.Profile = profile;
            }
        }

        return OfflinePlans.PlanMissing(new ReportRequest
        {
            Services = set.Services,
            Policies = set.Policies,
            Catalog = set.Accelerators.Count > 0 ? set.Accelerators : CatalogMapping.DefaultCatalog(),
            End = DateTimeOffset.UtcNow,
        });
    }

    private static async Task<ReportRequest> FromClusterAsync(CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new CliException($"no cluster to report on ({ex.Message}): pass -f MANIFEST for an offline report, or set KUBECONFIG");
        }

        using var client = new Kubernetes(configuration);
        var catalog = await ListAsync<AcceleratorProfile>(client, "acceleratorprofiles", cancellationToken);
        return new ReportRequest
        {
            Services = await ListAsync<InferenceService>(client, "inferenceservices", cancellationToken),
            Policies = await ListAsync<InferencePolicy>(client, "inferencepolicies", cancellationToken),
            Catalog = catalog.Count > 0 ? catalog : CatalogMapping.DefaultCatalog(),
            End = DateTimeOffset.UtcNow,
        };
    }

    private static async Task<IReadOnlyList<T>> ListAsync<T>(Kubernetes client, string plural, CancellationToken cancellationToken)
    {
        try
        {
            var list = await client.CustomObjects.ListClusterCustomObjectAsync(Groups.Name, Groups.Version, plural, cancellationToken: cancellationToken);
            var items = ((JsonElement)list).GetProperty("items");
            return items.EnumerateArray().Select(item => KubernetesJson.Deserialize<T>(item.GetRawText())).ToList();
        }
        catch (HttpOperationException ex)
        {
            throw new CliException($"listing {plural} failed: HTTP {(int)ex.Response.StatusCode}: are the CRDs installed (kubectl apply -k config/default) and may you list them?");
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"the cluster is unreachable ({ex.Message}): pass -f MANIFEST for an offline report");
        }
    }

    private static Uri PrometheusUri(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--prometheus {text}: give its http(s) URL, e.g. http://prometheus.monitoring:9090");

    private static Table Table(ReportTable table)
    {
        var rendered = new Table().Border(TableBorder.Rounded);
        foreach (var column in table.Columns)
        {
            rendered.AddColumn(Markup.Escape(column));
        }

        foreach (var row in table.Rows)
        {
            var cells = row.Cells.Select(c => row.Kind == ReportRowKind.Service ? Markup.Escape(c) : $"[bold]{Markup.Escape(c)}[/]").ToArray();
            rendered.AddRow(cells);
        }

        return rendered;
    }
}
