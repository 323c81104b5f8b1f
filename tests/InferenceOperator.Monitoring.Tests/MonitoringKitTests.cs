using System.Diagnostics;
using System.Text.Json;

namespace InferenceOperator.Monitoring.Tests;

/// <summary>config/monitoring parses, and its PromQL selects only metrics that really exist.</summary>
public sealed class MonitoringKitTests(ExportedMetrics exported) : IClassFixture<ExportedMetrics>
{
    /// <summary>
    /// Metrics that come from other exporters, allowed by name (nothing else outside our own scrapes is):
    /// DCGM exporter's GPU utilization (percent), and the kube-state-metrics series the kit uses.
    /// </summary>
    private static readonly HashSet<string> ExternalAllowList = new(StringComparer.Ordinal)
    {
        "DCGM_FI_DEV_GPU_UTIL",                                   // dcgm-exporter (HPA gpu-utilization metric, dashboards)
        "kube_horizontalpodautoscaler_status_current_replicas",   // kube-state-metrics: replicas vs desired
        "kube_horizontalpodautoscaler_status_desired_replicas",   // kube-state-metrics: replicas vs desired, budget-cap alert
        "kube_horizontalpodautoscaler_spec_max_replicas",         // kube-state-metrics: budget-cap alert
        "kube_pod_container_status_ready",                        // kube-state-metrics: engine-not-ready alert
    };

    private static readonly string[] EngineMetrics =
    [
        "inference_requests_total", "inference_request_duration_seconds_bucket", "inference_queue_duration_seconds_bucket",
        "inference_compute_duration_seconds_bucket", "inference_batch_size_sum", "inference_queue_depth", "inference_inflight_requests",
        "inference_busy_ratio", "inference_energy_joules_total", "inference_execution_provider_fallback", "inference_model_info",
    ];

    private static readonly string[] OperatorMetrics =
    [
        "reconcile_total", "reconcile_duration_seconds_bucket", "workqueue_depth", "workqueue_retries_total",
        "inferenceservice_planned_cost_dollars_per_hour", "inferenceservice_planned_power_watts", "inferenceservice_planned_carbon_grams_per_hour",
    ];

    private static HashSet<string> RecordedNames() =>
        MonitoringKit.Rules().Select(r => MonitoringKit.Text(r, "record")).OfType<string>().ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Should_ParseEveryYamlFile_And_ListEveryResourceInTheComponent()
    {
        var files = MonitoringKit.YamlFiles.ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var documents = MonitoringKit.LoadYaml(File.ReadAllText(file));
            Assert.NotEmpty(documents);
            Assert.All(documents, d => Assert.NotNull(MonitoringKit.Map(d, file)));
        }

        var component = MonitoringKit.Document("kustomization.yaml", "Component");
        Assert.Equal("kustomize.config.k8s.io/v1alpha1", MonitoringKit.Text(component, "apiVersion"));
        var listed = MonitoringKit.List(component["resources"], "resources").Cast<string>().ToHashSet(StringComparer.Ordinal);
        var resources = files.Select(f => Path.GetRelativePath(MonitoringKit.Directory, f)).Where(f => f != "kustomization.yaml").ToHashSet(StringComparer.Ordinal);
        Assert.Equal(resources.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        var generated = MonitoringKit.List(component["configMapGenerator"], "configMapGenerator")
            .SelectMany(g => MonitoringKit.List(MonitoringKit.Map(g, "generator")["files"], "files").Cast<string>())
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(
            MonitoringKit.DashboardFiles.Select(f => Path.GetRelativePath(MonitoringKit.Directory, f)).Order(StringComparer.Ordinal),
            generated.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_SelectTheEngineAndOperatorPods_ByTheLabelsAndPortsTheyCarry()
    {
        var engine = MonitoringKit.Map(MonitoringKit.Document("servicemonitor-engine.yaml", "ServiceMonitor")["spec"], "spec");
        Assert.Equal("inference-server", MonitoringKit.Text(MonitoringKit.Map(MonitoringKit.Map(engine["selector"], "selector")["matchLabels"], "matchLabels"), "app.kubernetes.io/name"));
        var endpoint = MonitoringKit.Map(MonitoringKit.List(engine["endpoints"], "endpoints").Single(), "endpoint");
        Assert.Equal(("http", "/metrics"), (MonitoringKit.Text(endpoint, "port"), MonitoringKit.Text(endpoint, "path")));

        var operatorSpec = MonitoringKit.Map(MonitoringKit.Document("podmonitor-operator.yaml", "PodMonitor")["spec"], "spec");
        var labels = MonitoringKit.Map(MonitoringKit.Map(operatorSpec["selector"], "selector")["matchLabels"], "matchLabels");
        Assert.Equal(("inference-operator", "operator"), (MonitoringKit.Text(labels, "app.kubernetes.io/name"), MonitoringKit.Text(labels, "app.kubernetes.io/component")));
        var podEndpoint = MonitoringKit.Map(MonitoringKit.List(operatorSpec["podMetricsEndpoints"], "podMetricsEndpoints").Single(), "endpoint");
        Assert.Equal("metrics", MonitoringKit.Text(podEndpoint, "port"));
        Assert.Equal("true", podEndpoint["honorLabels"].ToString());
    }

    [Fact]
    public void Should_ServeTheCustomMetricsTheOperatorsAutoscalersAskFor()
    {
        var names = MonitoringKit.AdapterRules()
            .Select(r => MonitoringKit.Text(MonitoringKit.Map(MonitoringKit.Map(r, "rule")["name"], "name"), "as"))
            .ToHashSet(StringComparer.Ordinal);
        // OperatorOptions defaults: QueueDepthMetric, RequestRateMetric, GpuUtilizationMetric.
        Assert.Equal(["DCGM_FI_DEV_GPU_UTIL", "inference_queue_depth", "inference_requests_per_second"], names.Order(StringComparer.Ordinal));
        foreach (var rule in MonitoringKit.AdapterRules().Select(r => MonitoringKit.Map(r, "rule")))
        {
            var overrides = MonitoringKit.Map(MonitoringKit.Map(rule["resources"], "resources")["overrides"], "overrides");
            Assert.Equal(["namespace", "pod"], overrides.Keys.Cast<string>().Order(StringComparer.Ordinal));
            Assert.Contains("<<.LabelMatchers>>", MonitoringKit.Text(rule, "metricsQuery"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_HaveRecordingRulesAndAlertsOfTheExpectedShape()
    {
        var rules = MonitoringKit.Rules().ToList();
        Assert.All(rules, r => Assert.True(MonitoringKit.Text(r, "record") is null != (MonitoringKit.Text(r, "alert") is null), "a rule records or alerts, not both"));
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(MonitoringKit.Text(r, "expr"))));
        var recorded = RecordedNames();
        foreach (var name in new[] { "service:inference_request_duration_seconds:p99_5m", "service:inference_busy_ratio:avg", "service:inference_queue_depth:sum", "service:inference_cost_dollars_per_million:1h" })
        {
            Assert.Contains(name, recorded);
        }

        var alerts = rules.Where(r => MonitoringKit.Text(r, "alert") is not null).ToDictionary(r => MonitoringKit.Text(r, "alert")!, StringComparer.Ordinal);
        Assert.Equal("10m", MonitoringKit.Text(alerts["InferenceServiceLatencyBudgetBurn"], "for"));
        Assert.Contains("p95", MonitoringKit.Text(alerts["InferenceServiceLatencyBudgetBurn"], "expr"), StringComparison.Ordinal);
        Assert.Contains("kube_horizontalpodautoscaler_spec_max_replicas", MonitoringKit.Text(alerts["InferenceServiceAutoscalerBudgetCapped"], "expr"), StringComparison.Ordinal);
        Assert.Contains("container=\"server\"", MonitoringKit.Text(alerts["InferenceEngineNotReady"], "expr"), StringComparison.Ordinal);
        Assert.All(alerts.Values, a => Assert.NotNull(MonitoringKit.Text(MonitoringKit.Map(a["labels"], "labels"), "severity")));
    }

    [Fact]
    public void Should_ParseEveryDashboard_WithAQueryInEveryPanel()
    {
        var files = MonitoringKit.DashboardFiles.ToList();
        Assert.Equal(["inference-finops.json", "inference-sre.json"], files.Select(Path.GetFileName));
        foreach (var file in files)
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
            foreach (var panel in panels)
            {
                var targets = panel.GetProperty("targets").EnumerateArray().ToList();
                Assert.True(targets.Count > 0, $"{file}: panel '{panel.GetProperty("title")}' has no query");
                Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"{file}: empty query in '{panel.GetProperty("title")}'"));
            }
        }
    }

    [Fact]
    public void Should_ShowTheFinOpsFiguresTheIssueAsksFor()
    {
        var finops = MonitoringKit.Expressions().Where(e => e.Where.StartsWith("inference-finops.json panel", StringComparison.Ordinal)).Select(e => e.Expr).ToList();
        Assert.Contains(finops, e => e.Contains("inferenceservice_planned_cost_dollars_per_hour", StringComparison.Ordinal));
        Assert.Contains(finops, e => e.Contains("service:inference_cost_dollars_per_million:1h", StringComparison.Ordinal));
        Assert.Contains(finops, e => e.Contains("inferenceservice_planned_power_watts", StringComparison.Ordinal));
        Assert.Contains(finops, e => e.Contains("inferenceservice_planned_carbon_grams_per_hour", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_ExportEveryMetricTheKitRelieson_FromTheRealEngineAndOperator()
    {
        Assert.Contains($"inference_request_duration_seconds_bucket{{model=\"{ExportedMetrics.Model}\"", exported.EngineScrape, StringComparison.Ordinal);
        Assert.Contains($"inference_requests_total{{model=\"{ExportedMetrics.Model}\",code=\"200\"}}", exported.EngineScrape, StringComparison.Ordinal);
        Assert.All(EngineMetrics, m => Assert.Contains(m, ExportedMetrics.SeriesNames(exported.EngineScrape)));
        Assert.All(OperatorMetrics, m => Assert.Contains(m, ExportedMetrics.SeriesNames(exported.OperatorScrape)));
        Assert.Contains("inferenceservice_planned_cost_dollars_per_hour{namespace=\"default\",service=\"minilm-embeddings\",accelerator=\"nvidia-l4\",precision=\"fp16\"}", exported.OperatorScrape, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ReferenceOnlyExportedMetrics_InEveryPromQlExpression()
    {
        var recorded = RecordedNames();
        var expressions = MonitoringKit.Expressions().ToList();
        Assert.True(expressions.Count > 40, $"only {expressions.Count} expressions found");
        var unknown = new List<string>();
        foreach (var (where, expr) in expressions)
        {
            var names = PromQl.MetricNames(expr);
            if (names.Count == 0)
            {
                unknown.Add($"{where}: selects no metric: {expr}");
            }

            unknown.AddRange(names
                .Where(n => !exported.Names.Contains(n) && !recorded.Contains(n) && !ExternalAllowList.Contains(n))
                .Select(n => $"{where}: {n}"));
        }

        Assert.True(unknown.Count == 0, "metrics nobody exports:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void Should_MatchOnlyLabelsTheSeriesCarry_InEverySelector()
    {
        // Labels Prometheus adds to every scraped series (target labels of a ServiceMonitor/PodMonitor).
        string[] target = ["namespace", "pod", "service", "container", "endpoint", "job", "instance"];
        var wrong = new List<string>();
        foreach (var (where, expr) in MonitoringKit.Expressions())
        {
            foreach (var (metric, labels) in PromQl.Selectors(expr).Where(s => exported.Labels.ContainsKey(s.Metric)))
            {
                wrong.AddRange(labels.Where(l => !exported.Labels[metric].Contains(l) && !target.Contains(l)).Select(l => $"{where}: {metric}{{{l}}}"));
            }
        }

        Assert.True(wrong.Count == 0, "labels the series do not carry:\n" + string.Join('\n', wrong));
        Assert.Contains("code", exported.Labels["inference_requests_total"]);
        Assert.Contains("result", exported.Labels["reconcile_total"]);
    }

    [Fact]
    public void Should_RecordEveryRecordingRuleUsed_BeforeItIsUsed()
    {
        // A record used by a dashboard or another rule is defined here (names with ':' are ours, never exported).
        var recorded = RecordedNames();
        var used = MonitoringKit.Expressions().SelectMany(e => PromQl.MetricNames(e.Expr)).Where(n => n.Contains(':', StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(used.Except(recorded));
        Assert.DoesNotContain(exported.Names, n => n.Contains(':', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (namespace, service, le) (label_replace(rate(inference_request_duration_seconds_bucket{code=\"200\"}[5m]), \"service\", \"$1\", \"model\", \"(.+)\")))", "inference_request_duration_seconds_bucket")]
    [InlineData("sum(x_total) / on (namespace, service) group_left(precision) ((y:z:rate1h * 3600 / 1e6) > 0)", "x_total,y:z:rate1h")]
    [InlineData("a >= on (ns) b and on (ns) label_replace(c, \"h\", \"$1\", \"s\", \"(.+)\") offset 5m", "a,b,c")]
    [InlineData("avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod=~\"($service)-.*\"}) / 100 unless nv_inference_count[$__rate_interval]", "DCGM_FI_DEV_GPU_UTIL,nv_inference_count")]
    [InlineData("sum by (pod) (rate(inference_requests_total{namespace=\"default\",pod=~\"a|b\"}[2m]))", "inference_requests_total")]
    public void Should_FindTheMetricNames_InAnExpression(string expr, string expected) =>
        Assert.Equal(expected.Split(','), PromQl.MetricNames(expr));

    [Fact]
    public void Should_FindTheLabelsOfEachSelector()
    {
        var selectors = PromQl.Selectors("rate(a_total{code=\"4{2}9\", model=~\"$service\"}[5m]) / b{namespace!=\"x\"}").ToList();
        Assert.Equal(["a_total", "b"], selectors.Select(s => s.Metric));
        Assert.Equal(["code", "model"], selectors[0].Labels);
        Assert.Equal(["namespace"], selectors[1].Labels);
    }

    [Fact]
    public void Should_RejectAMetricNobodyExports()
    {
        // The check above can fail: a Triton name is not ours.
        var names = PromQl.MetricNames("sum(rate(nv_inference_request_success[5m]))");
        Assert.Equal(["nv_inference_request_success"], names);
        Assert.DoesNotContain("nv_inference_request_success", exported.Names);
    }

    [SkippableFact]
    public async Task Should_Build_When_AnOverlayIncludesTheComponent()
    {
        var kubectl = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        Skip.If(kubectl is null, "kubectl is not installed");
        var overlay = Path.Combine(Path.GetTempPath(), $"monitoring-overlay-{Guid.NewGuid():N}");
        Directory.CreateDirectory(overlay);
        try
        {
            var component = Path.GetRelativePath(overlay, MonitoringKit.Directory).Replace('\\', '/');
            await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: monitoring
                components:
                - {component}
                """);
            using var process = Process.Start(new ProcessStartInfo(kubectl!, ["kustomize", overlay]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, errors);
            var documents = MonitoringKit.LoadYaml(await output).Select(d => MonitoringKit.Map(d, "output")).ToList();
            Assert.Equal(
                ["ConfigMap", "ConfigMap", "ConfigMap", "PodMonitor", "PrometheusRule", "ServiceMonitor"],
                documents.Select(d => MonitoringKit.Text(d, "kind")!).Order(StringComparer.Ordinal));
            Assert.All(documents, d => Assert.Equal("monitoring", MonitoringKit.Text(MonitoringKit.Map(d["metadata"], "metadata"), "namespace")));
            var dashboards = documents.Where(d => MonitoringKit.Map(d["metadata"], "metadata").TryGetValue("labels", out var l) && MonitoringKit.Text(MonitoringKit.Map(l, "labels"), "grafana_dashboard") == "1").ToList();
            Assert.Equal(2, dashboards.Count);
            foreach (var dashboard in dashboards)
            {
                var (key, json) = MonitoringKit.Map(dashboard["data"], "data").Single();
                Assert.Equal(File.ReadAllText(Path.Combine(MonitoringKit.Directory, "dashboards", (string)key)), (string)json);
                using var parsed = JsonDocument.Parse((string)json);
                Assert.NotEmpty(parsed.RootElement.GetProperty("panels").EnumerateArray());
            }
        }
        finally
        {
            Directory.Delete(overlay, recursive: true);
        }
    }
}
