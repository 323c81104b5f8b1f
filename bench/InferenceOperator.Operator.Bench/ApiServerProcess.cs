using System.Diagnostics;
using System.Globalization;
using InferenceOperator.Api;
using InferenceOperator.Api.Schema;
using InferenceOperator.ApiMapping;
using InferenceOperator.Kube;
using InferenceOperator.TestApiServer;
using k8s;
using k8s.Models;

namespace InferenceOperator.Operator.Bench;

/// <summary>
/// The bench's second process: the test API server with the CRDs, the catalog and a namespace, driven over stdin/stdout
/// so that its memory and its bookkeeping stay out of the operator process being measured. Commands, one per line:
/// "create N", "converged N", "reset", "writes"; each is answered with one line. EOF stops it.
/// </summary>
internal static class ApiServerProcess
{
    public const string Flag = "--api-server";
    public const string Namespace = "bench";

    public static async Task RunAsync()
    {
        await using var server = await TestApiServer.TestApiServer.StartAsync(new TestApiServerOptions());
        using var client = KubernetesClientFactory.Create(server.ClientConfiguration());
        var generator = new CrdGenerator();
        foreach (var kind in CrdGenerator.Kinds)
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(generator.Generate(kind));
        }

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
        var profiles = new EntityClient<AcceleratorProfile>(client, "bench");
        foreach (var profile in CatalogMapping.DefaultCatalog())
        {
            await profiles.CreateAsync(profile, default);
        }

        Console.WriteLine(server.BaseUrl);
        var converged = new HashSet<int>();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var answer = parts switch
            {
                ["create", var n] => await CreateAsync(client, int.Parse(n, CultureInfo.InvariantCulture)),
                ["converged", var n] => Converged(server, converged, int.Parse(n, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture),
                ["reset"] => Reset(server),
                ["writes"] => server.TotalWriteCalls.ToString(CultureInfo.InvariantCulture),
                _ => $"error: unknown command '{line}'",
            };
            Console.WriteLine(answer);
        }
    }

    public static string ServiceName(int i) => $"svc-{i:D4}";

    private static async Task<string> CreateAsync(Kubernetes client, int count)
    {
        var services = new EntityClient<InferenceService>(client, "bench");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await services.CreateAsync(Service(ServiceName(i)), ct));
        return clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
    }

    /// <summary>Services with their plan in status, their Deployment and their Service; once there, they stay (only the rest is re-read).</summary>
    private static int Converged(TestApiServer.TestApiServer server, HashSet<int> converged, int count)
    {
        foreach (var i in Enumerable.Range(0, count).Where(i => !converged.Contains(i)))
        {
            var name = ServiceName(i);
            if (server.Get<InferenceService>(Namespace, name)?.Status?.Plan?.Accelerator is not null
                && server.Get<V1Deployment>(Namespace, name) is not null
                && server.Get<V1Service>(Namespace, name) is not null)
            {
                converged.Add(i);
            }
        }

        return converged.Count;
    }

    private static string Reset(TestApiServer.TestApiServer server)
    {
        server.ResetCounters();
        return "ok";
    }

    private static InferenceService Service(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Spec = new InferenceServiceSpec
        {
            Model = new ModelSpec
            {
                Uri = "https://models.example.com/minilm/model.onnx",
                Profile = new ModelProfile { Parameters = 22_713_927, FlopsPerInference = 2.87e9, SequenceLength = 128 },
            },
            Slo = new ServiceLevelObjective { LatencyP95Ms = 100, ThroughputRps = 50 },
        },
    };
}

/// <summary>The operator side's handle on the API server process: its URL and the command line protocol.</summary>
internal sealed class ApiServerChild : IDisposable
{
    private readonly Process process;

    private ApiServerChild(Process process, string url)
    {
        this.process = process;
        Url = url;
    }

    public string Url { get; }

    public int ProcessId => process.Id;

    public static async Task<ApiServerChild> StartAsync()
    {
        // `dotnet run` starts the apphost; `dotnet Bench.dll` starts dotnet itself, which needs the assembly named again.
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ApiServerChild).Assembly.Location);
        }

        start.ArgumentList.Add(ApiServerProcess.Flag);
        var process = Process.Start(start) ?? throw new InvalidOperationException("the API server process did not start");
        var url = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the API server process exited before printing its URL");
        return new ApiServerChild(process, url);
    }

    public async Task<string> AskAsync(string command)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
        var answer = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"the API server process exited on '{command}'");
        return answer.StartsWith("error:", StringComparison.Ordinal) ? throw new InvalidOperationException(answer) : answer;
    }

    public async Task<int> AskNumberAsync(string command) => int.Parse(await AskAsync(command), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill();
        }

        process.Dispose();
    }
}
