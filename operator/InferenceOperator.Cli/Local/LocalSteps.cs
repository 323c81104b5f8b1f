using InferenceOperator.Api;
using InferenceOperator.Cli.Manifests;
using Spectre.Console;

namespace InferenceOperator.Cli.Local;

/// <summary>The long local-mode steps with progress display, shared by `up` and `demo`.</summary>
internal static class LocalSteps
{
    public static async Task<LocalPlan> PlanAsync(LocalReconciler reconciler, ManifestSet set, InferenceService service, CancellationToken cancellationToken, bool profileAll = false)
    {
        LocalPlan? plan = null;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask($"profiling {service.Metadata.Name} on this CPU (cached after the first run)", maxValue: 1);
            plan = await reconciler.PlanAsync(set, service, new Progress<double>(v => task.Value = v), cancellationToken, profileAll);
            task.Value = 1;
        });
        return plan!;
    }

    public static async Task<(LocalService Service, bool AlreadyRunning)> UpAsync(LocalReconciler reconciler, LocalPlan plan, int port, CancellationToken cancellationToken)
    {
        if (plan.Local.Chosen is { Replicas: > 1 } chosen)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]the plan needs {chosen.Replicas} replicas of {chosen.Accelerator} for {plan.Service.Spec.Slo.ThroughputRps} rps; local mode runs one on this machine, good for about {chosen.ThroughputPerReplicaRps:0.#} rps[/]");
        }

        (LocalService, bool) result = default;
        await AnsiConsole.Status().StartAsync($"starting the serving engine for {plan.Service.Metadata.Name}", async _ =>
        {
            result = await reconciler.UpAsync(plan, port, cancellationToken);
        });
        return result;
    }
}
