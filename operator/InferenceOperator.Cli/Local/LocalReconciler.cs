using InferenceOperator.Api;
using InferenceOperator.ApiMapping;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Fetching;
using InferenceOperator.Cli.Planning;
using InferenceOperator.Models;
using InferenceOperator.Serving.Client;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.Cli.Local;

/// <summary>
/// Local mode: reconciles the same manifests a cluster would get into processes on this machine. Profiles the model
/// with real measurements on this CPU, plans against this machine's CPU (and, for comparison, the cluster catalog),
/// quantizes to the chosen precision and starts the serving engine on 127.0.0.1 with the planned batch limits.
/// </summary>
internal sealed class LocalReconciler(LocalState state, Plan.Planner planner, LocalProfileOptions? profiling = null)
{
    private readonly LocalProfileOptions profiling = profiling ?? new LocalProfileOptions();

    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Profiles (cached by model checksum) and plans one service; profileAll measures every precision, not only the policy's (so a cluster plan can weigh them all).</summary>
    public async Task<LocalPlan> PlanAsync(ManifestSet set, InferenceService service, IProgress<double>? progress, CancellationToken cancellationToken, bool profileAll = false)
    {
        var label = $"InferenceService/{service.Metadata.Name}";
        var modelPath = LocalModelPath(service, label);
        var local = LocalMachine.Cpu();
        if (service.Spec.Overrides().Accelerator is { } pinned && pinned != local.Name)
        {
            throw new CliException($"{label}: spec.accelerator '{pinned}' is not on this machine; local mode offers {LocalMachine.Describe()}: set spec.accelerator to auto or {local.Name} to run it here");
        }

        var (policyName, policy) = ServicePlanner.ResolvePolicy(set, service);
        if (policy.AllowedAccelerators is { Count: > 0 } allowed && !allowed.Contains(local.Name))
        {
            throw new CliException($"{label}: InferencePolicy/{policyName} allows only {string.Join(", ", allowed)}, none of which is on this machine; local mode offers {LocalMachine.Describe()}: add {local.Name} to spec.allowedAccelerators");
        }

        var profile = await ProfileAsync(modelPath, profileAll ? policy with { AllowedPrecisions = null } : policy, progress, cancellationToken).ConfigureAwait(false);
        var apiProfile = LocalEngineConfig.ToApi(profile);
        var model = apiProfile.ToPlanning(service.Metadata.Name);
        var slo = service.Spec.Slo.ToPlanning();
        var overrides = service.Spec.Overrides() with { Accelerator = null };
        var localPlan = planner.Plan(model, slo, policy, [local], overrides);
        var clusterPlan = planner.Plan(model, slo, policy with { AllowedAccelerators = null }, ServicePlanner.Catalog(set), service.Spec.Overrides());
        return new LocalPlan(service, policyName, policy, modelPath, profile, apiProfile, localPlan, clusterPlan);
    }

    /// <summary>Starts the service's engine, or reports the one already running (up is idempotent).</summary>
    public async Task<(LocalService Service, bool AlreadyRunning)> UpAsync(LocalPlan plan, int? port, CancellationToken cancellationToken)
    {
        var service = plan.Service;
        var ns = service.Metadata.NamespaceProperty ?? "default";
        var label = $"InferenceService/{service.Metadata.Name}";
        if (state.Find(ns, service.Metadata.Name) is { } existing)
        {
            if (LocalProcess.IsServer(existing.Pid, existing.ConfigPath) && await IsReadyAsync(existing.HttpPort, cancellationToken).ConfigureAwait(false))
            {
                return (existing, true);
            }

            await DownAsync(existing, cancellationToken).ConfigureAwait(false);
        }

        if (plan.Local.Chosen is not { } chosen)
        {
            throw new CliException($"{label}: no feasible plan on this machine: {plan.Local.Explain()}");
        }

        if (port is { } requested and > 0 && !LocalProcess.IsPortFree(requested))
        {
            throw new CliException($"port {requested} is in use: pass --port 0 for a free port, or stop what listens on {requested}");
        }

        var httpPort = port is > 0 ? port.Value : LocalProcess.FreePort();
        var grpcPort = LocalProcess.FreePort();
        var folder = state.ServiceFolder(ns, service.Metadata.Name);
        Directory.CreateDirectory(folder);
        var modelPath = PrepareModel(plan, LocalEngineConfig.ToModels(chosen.Precision), cancellationToken);
        var configPath = LocalEngineConfig.Write(Path.Combine(folder, "engine.json"), modelPath, service.Metadata.Name, chosen, service.Spec.Cache, httpPort, grpcPort);
        var logPath = Path.Combine(folder, "engine.log");
        var pid = LocalProcess.StartServer(configPath, logPath);
        var started = new LocalService(ns, service.Metadata.Name, pid, httpPort, grpcPort, configPath, logPath, modelPath,
            chosen.Precision.ToApi().ToString().ToLowerInvariant(), chosen.MaxBatchSize, DateTimeOffset.UtcNow);
        state.Save(started);
        await WaitReadyAsync(started, cancellationToken).ConfigureAwait(false);
        return (started, false);
    }

    /// <summary>Stops the engine (draining accepted requests) and forgets it; nothing is left listening.</summary>
    public async Task DownAsync(LocalService service, CancellationToken cancellationToken)
    {
        await LocalProcess.StopAsync(service.Pid, service.ConfigPath, TimeSpan.FromSeconds(35), cancellationToken).ConfigureAwait(false);
        state.Remove(service);
    }

    private static string LocalModelPath(InferenceService service, string label)
    {
        var uri = service.Spec.Model.Uri;
        if (!uri.StartsWith("file://", StringComparison.Ordinal))
        {
            throw new CliException($"{label}: spec.model.uri {uri}: local mode serves files only; download the model and use file:///path/to/model.onnx");
        }

        var path = new Uri(uri).LocalPath;
        return File.Exists(path) ? path : throw new CliException($"{label}: spec.model.uri: model file {path} does not exist");
    }

    private async Task<InferenceOperator.Models.ModelProfile> ProfileAsync(string modelPath, Plan.Policy policy, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var sha = await ModelFetcher.Sha256Async(modelPath, cancellationToken).ConfigureAwait(false);
        var precisions = (policy.AllowedPrecisions ?? [Plan.Precision.Fp32, Plan.Precision.Fp16, Plan.Precision.Int8, Plan.Precision.Int4])
            .Select(LocalEngineConfig.ToModels)
            .Append(ModelPrecision.Fp32)
            .Distinct()
            .Order()
            .ToList();
        var thresholds = new QualityThresholds
        {
            MinCosineSimilarity = policy.Quality.MinCosineSimilarity ?? 0.99,
            MaxTop1Disagreement = policy.Quality.MaxTop1Disagreement ?? 0.02,
        };
        var key = $"{sha}-{string.Join("-", precisions.Select(p => p.ToString().ToLowerInvariant()))}-{LocalMachine.VCpus}cpu-{profiling.Samples}{(profiling.MeasureSpeed ? "" : "-nospeed")}.json";
        var cached = Path.Combine(state.ProfilesFolder, key);
        if (File.Exists(cached))
        {
            progress?.Report(1);
            return InferenceOperator.Models.ModelProfile.FromJson(await File.ReadAllTextAsync(cached, cancellationToken).ConfigureAwait(false));
        }

        var vocabulary = Path.Combine(Path.GetDirectoryName(modelPath)!, "vocab.txt");
        var work = Directory.CreateTempSubdirectory("inferctl-profile-");
        try
        {
            var profile = new ModelProfiler().Profile(modelPath, new ProfileOptions
            {
                Precisions = precisions,
                Thresholds = thresholds,
                Samples = profiling.Samples,
                MeasureSpeed = profiling.MeasureSpeed,
                VocabularyPath = File.Exists(vocabulary) ? vocabulary : null,
                OutputDirectory = work.FullName,
                VCpus = LocalMachine.VCpus,
            }, progress, cancellationToken);
            Directory.CreateDirectory(state.ProfilesFolder);
            await File.WriteAllTextAsync(cached, profile.ToJson(), cancellationToken).ConfigureAwait(false);
            return profile;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The model at the chosen precision, batchable when the graph allows: cached per checksum and precision.</summary>
    private string PrepareModel(LocalPlan plan, ModelPrecision precision, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(state.ModelsFolder, plan.Profile.Sha256);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, $"model.{precision.ToString().ToLowerInvariant()}.onnx");
        if (File.Exists(target))
        {
            return target;
        }

        var batchable = Path.Combine(folder, "model.fp32.onnx");
        if (!File.Exists(batchable))
        {
            var conversion = new ModelAnalyzer().MakeBatchDynamic(plan.ModelPath, batchable);
            if (!conversion.Changed)
            {
                File.Copy(plan.ModelPath, batchable + ".tmp", overwrite: true);
                File.Move(batchable + ".tmp", batchable, overwrite: true);
            }
        }

        if (precision != ModelPrecision.Fp32)
        {
            new ModelQuantizer(Path.Combine(state.ModelsFolder, "quantizer-cache")).Quantize(batchable, target, precision, new QuantizationOptions(), null, cancellationToken);
        }

        return target;
    }

    private static async Task<bool> IsReadyAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new OipClient(new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            return await client.IsServerReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task WaitReadyAsync(LocalService service, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!LocalProcess.IsServer(service.Pid, service.ConfigPath))
            {
                var tail = LogTail(service.LogPath);
                state.Remove(service);
                throw new CliException($"the serving engine for {service.Name} exited before it was ready: {tail}");
            }

            if (await IsReadyAsync(service.HttpPort, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        var log = LogTail(service.LogPath);
        await DownAsync(service, cancellationToken).ConfigureAwait(false);
        throw new CliException($"the serving engine for {service.Name} was not ready within {ReadyTimeout.TotalSeconds:0} s: {log}");
    }

    private static string LogTail(string path) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no log)";
}

/// <summary>How thoroughly local mode profiles: calibration inputs and whether CPU speed is measured (the planner's calibration).</summary>
internal sealed record LocalProfileOptions(int Samples = 16, bool MeasureSpeed = true);
