using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace InferenceOperator.Monitoring.Tests;

/// <summary>The files of config/monitoring, parsed, and every PromQL expression they hold, with where it came from.</summary>
internal static class MonitoringKit
{
    public static string Root { get; } = FindRoot();

    public static string Directory => Path.Combine(Root, "config", "monitoring");

    public static IEnumerable<string> YamlFiles => System.IO.Directory.EnumerateFiles(Directory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static IEnumerable<string> DashboardFiles => System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "dashboards"), "*.json").Order(StringComparer.Ordinal);

    /// <summary>Every document of a YAML file, as nested dictionaries and lists.</summary>
    public static IReadOnlyList<object?> LoadYaml(string text)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        var documents = new List<object?>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<object?>(parser));
        }

        return documents;
    }

    public static Dictionary<object, object> Map(object? node, string what) =>
        node as Dictionary<object, object> ?? throw new InvalidOperationException($"{what} is not a mapping");

    public static List<object> List(object? node, string what) =>
        node as List<object> ?? throw new InvalidOperationException($"{what} is not a list");

    public static string? Text(Dictionary<object, object> map, string key) => map.TryGetValue(key, out var value) ? value as string : null;

    public static Dictionary<object, object> Document(string file, string kind) =>
        LoadYaml(File.ReadAllText(Path.Combine(Directory, file))).Select(d => Map(d, file)).Single(d => Text(d, "kind") == kind);

    /// <summary>The rules of the PrometheusRule, each with its group.</summary>
    public static IEnumerable<Dictionary<object, object>> Rules() =>
        List(Map(Document("prometheusrule.yaml", "PrometheusRule")["spec"], "spec")["groups"], "groups")
            .SelectMany(g => List(Map(g, "group")["rules"], "rules"))
            .Select(r => Map(r, "rule"));

    /// <summary>The prometheus-adapter config held in the rules ConfigMap.</summary>
    public static List<object> AdapterRules()
    {
        var data = Map(Document("prometheus-adapter-rules.yaml", "ConfigMap")["data"], "data");
        var config = Map(LoadYaml(Text(data, "config.yaml")!).Single(), "config.yaml");
        return List(config["rules"], "rules");
    }

    /// <summary>Every PromQL expression in the kit: (where, expression).</summary>
    public static IEnumerable<(string Where, string Expr)> Expressions()
    {
        foreach (var rule in Rules())
        {
            yield return ($"prometheusrule {Text(rule, "record") ?? Text(rule, "alert")}", Text(rule, "expr")!);
        }

        foreach (var rule in AdapterRules().Select(r => Map(r, "adapter rule")))
        {
            var series = Text(rule, "seriesQuery")!;
            var metric = PromQl.MetricNames(series).Single();
            yield return ($"adapter seriesQuery {series}", series);
            yield return ($"adapter metricsQuery for {metric}", PromQl.ExpandAdapterTemplate(Text(rule, "metricsQuery")!, metric));
        }

        foreach (var file in DashboardFiles)
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    yield return ($"{Path.GetFileName(file)} panel '{panel.GetProperty("title").GetString()}'", target.GetProperty("expr").GetString()!);
                }
            }

            foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                if (variable.GetProperty("type").GetString() == "query")
                {
                    yield return ($"{Path.GetFileName(file)} variable ${variable.GetProperty("name").GetString()}", PromQl.LabelValuesSelector(variable.GetProperty("query").GetProperty("query").GetString()!));
                }
            }
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "config", "monitoring", "kustomization.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("config/monitoring not found above " + AppContext.BaseDirectory);
    }
}
