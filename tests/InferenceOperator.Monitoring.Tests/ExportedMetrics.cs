using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using InferenceOperator.Api;
using InferenceOperator.Kube;
using InferenceOperator.SampleModels;
using InferenceOperator.Testing;
using Prometheus;

namespace InferenceOperator.Monitoring.Tests;

/// <summary>
/// The metric names the engine and the operator really export, read from their Prometheus text output:
/// the engine is the real executable (inference-server.dll) serving MiniLM, scraped after one inference;
/// the operator's registry (OperatorMetrics) is created in-process and fed one reconcile, one retry and one plan.
/// </summary>
public sealed partial class ExportedMetrics : IAsyncLifetime
{
    public const string Model = "minilm-embeddings";

    public string EngineScrape { get; private set; } = "";

    public string OperatorScrape { get; private set; } = "";

    /// <summary>Series names (histograms as name_bucket, name_sum, name_count) from both scrapes.</summary>
    public IReadOnlySet<string> Names { get; private set; } = new HashSet<string>();

    /// <summary>Label names seen on each series name in both scrapes (histogram buckets include <c>le</c>).</summary>
    public IReadOnlyDictionary<string, HashSet<string>> Labels { get; private set; } = new Dictionary<string, HashSet<string>>();

    public async Task InitializeAsync()
    {
        EngineScrape = await ScrapeEngineAsync();
        OperatorScrape = await ScrapeOperatorAsync();
        Names = SeriesNames(EngineScrape).Concat(SeriesNames(OperatorScrape)).ToHashSet(StringComparer.Ordinal);
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in (EngineScrape + "\n" + OperatorScrape).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')))
        {
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var name = line[..(brace >= 0 ? brace : line.IndexOf(' ', StringComparison.Ordinal))];
            var set = labels.TryGetValue(name, out var existing) ? existing : labels[name] = new HashSet<string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                set.UnionWith(SampleLabel().Matches(line[brace..line.LastIndexOf('}')]).Select(m => m.Groups["label"].Value));
            }
        }

        Labels = labels;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Names from `# TYPE` lines (histograms expanded to their three series) and from sample lines.</summary>
    public static IEnumerable<string> SeriesNames(string scrape)
    {
        foreach (var line in scrape.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts[3] == "histogram")
                {
                    yield return parts[2] + "_bucket";
                    yield return parts[2] + "_sum";
                    yield return parts[2] + "_count";
                }
                else
                {
                    yield return parts[2];
                }
            }
            else if (!line.StartsWith('#'))
            {
                yield return line[..line.IndexOfAny(['{', ' '])];
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("(?<label>[A-Za-z_]\\w*)=\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial System.Text.RegularExpressions.Regex SampleLabel();

    private static async Task<string> ScrapeEngineAsync()
    {
        var (http, grpc) = (FreePorts.Next(), FreePorts.Next());
        var model = new SampleModelCatalog().MiniLm().ModelPath;
        var server = Path.Combine(AppContext.BaseDirectory, "inference-server.dll");
        // CUDA with CPU fallback allowed: where no GPU is present the engine runs on CPU and exports
        // inference_execution_provider_fallback too, so every engine metric has a series.
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                server, "--model", model, "--model-name", Model, "--listen", "127.0.0.1", "--http-port", $"{http}", "--grpc-port", $"{grpc}",
                "--execution-provider", "CUDA", "--allow-cpu-fallback", "true", "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(60) };
            var ready = false;
            for (var i = 0; i < 1200 && !ready && !process.HasExited; i++)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri("v2/health/ready", UriKind.Relative));
                    ready = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                if (!ready)
                {
                    await Task.Delay(50);
                }
            }

            if (!ready)
            {
                throw new InvalidOperationException("the engine never became ready: " + (process.HasExited ? await errors : "still starting"));
            }

            using var content = new StringContent(InferenceJson(), Encoding.UTF8, "application/json");
            using var infer = await client.PostAsync(new Uri($"v2/models/{Model}/infer", UriKind.Relative), content);
            if (infer.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"inference answered {(int)infer.StatusCode}: {await infer.Content.ReadAsStringAsync()}");
            }

            return await client.GetStringAsync(new Uri("metrics", UriKind.Relative));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            _ = await output;
        }
    }

    private static string InferenceJson()
    {
        long[] tokens = [101, 7592, 2088, 102];
        var ids = string.Join(",", tokens.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        var ones = string.Join(",", tokens.Select(_ => 1));
        var zeros = string.Join(",", tokens.Select(_ => 0));
        var shape = $"[1,{tokens.Length}]";
        return $$"""
            {"inputs":[
              {"name":"input_ids","datatype":"INT64","shape":{{shape}},"data":[{{ids}}]},
              {"name":"attention_mask","datatype":"INT64","shape":{{shape}},"data":[{{ones}}]},
              {"name":"token_type_ids","datatype":"INT64","shape":{{shape}},"data":[{{zeros}}]}]}
            """;
    }

    /// <summary>
    /// OperatorMetrics is internal to the operator and this project is not among its friends (InternalsVisibleTo),
    /// so it is reached by reflection: the same class the host registers, its public Registry exported as text.
    /// </summary>
    private static async Task<string> ScrapeOperatorAsync()
    {
        var type = Assembly.Load("InferenceOperator").GetType("InferenceOperator.Metrics.OperatorMetrics", throwOnError: true)!;
        var metrics = Activator.CreateInstance(type)!;
        var controller = (IControllerMetrics)metrics;
        controller.QueueDepth("inferenceservice", 1);
        controller.RetryScheduled("inferenceservice", 1, TimeSpan.FromSeconds(1));
        controller.ReconcileCompleted("inferenceservice", ReconcileResult.Done, TimeSpan.FromMilliseconds(5));
        var plan = new PlanStatus { Accelerator = "nvidia-l4", Precision = Precision.Fp16, CostPerHour = 1.6, PowerWatts = 144 };
        type.GetMethod("Planned")!.Invoke(metrics, [new ObjectKey("default", Model), plan, 400.0, 100.0]);
        var registry = (CollectorRegistry)type.GetProperty("Registry")!.GetValue(metrics)!;
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
