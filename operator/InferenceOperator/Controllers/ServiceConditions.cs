using System.Collections.Frozen;
using System.Text.Json.Nodes;
using InferenceOperator.Api;
using k8s;
using k8s.Models;

namespace InferenceOperator.Controllers;

/// <summary>Condition types and reasons of an InferenceService.</summary>
internal static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string ProfileReady = "ProfileReady";
    public const string PlanReady = "PlanReady";
    public const string WorkloadReady = "WorkloadReady";
    public const string AutoscalerReady = "AutoscalerReady";

    /// <summary>The conditions Ready summarises, in the order the reconcile establishes them.</summary>
    public static IReadOnlyList<string> Parts { get; } = [ProfileReady, PlanReady, WorkloadReady, AutoscalerReady];
}

/// <summary>Reasons that describe work in progress rather than a failure (Events for them are Normal).</summary>
internal static class Reasons
{
    public const string InvalidSpec = "InvalidSpec";
    public const string PolicyNotFound = "PolicyNotFound";
    public const string PolicyInvalid = "PolicyInvalid";
    public const string NoAcceleratorProfiles = "NoAcceleratorProfiles";
    public const string AcceleratorProfileNotFound = "AcceleratorProfileNotFound";
    public const string NoFeasiblePlan = "NoFeasiblePlan";
    public const string Planned = "Planned";
    public const string ProfileHints = "ProfileHints";
    public const string Profiled = "Profiled";
    public const string Profiling = "Profiling";
    public const string NameConflict = "NameConflict";
    public const string Progressing = "Progressing";
    public const string Available = "Available";
    public const string BudgetCapped = "BudgetCapped";
    public const string AutoscalerConfigured = "AutoscalerConfigured";
    public const string FixedReplicas = "FixedReplicas";
    public const string KedaNotInstalled = "KedaNotInstalled";
    public const string Reconciling = "Reconciling";

    private static readonly FrozenSet<string> InProgress = new[] { Profiling, Progressing, Reconciling }.ToFrozenSet(StringComparer.Ordinal);

    public static bool IsProgress(string reason) => InProgress.Contains(reason);
}

/// <summary>
/// The status a reconcile computes: a copy of the live status whose conditions are set one by one (lastTransitionTime
/// kept unless the status flips) and summarised into Ready.
/// </summary>
internal sealed class StatusBuilder
{
    private readonly long? generation;
    private readonly DateTimeOffset now;

    public StatusBuilder(InferenceService service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(service);
        generation = service.Metadata.Generation;
        this.now = now;
        Previous = service.Status;
        Status = service.Status is null ? new InferenceServiceStatus() : KubernetesJson.Deserialize<InferenceServiceStatus>(KubernetesJson.Serialize(service.Status));
        Status.ObservedGeneration = generation;
        Status.Conditions ??= [];
        Written = JsonNode.Parse(KubernetesJson.Serialize(service.Status ?? new InferenceServiceStatus()));
    }

    /// <summary>The status as last written to (or read from) the API server: what a status patch is computed against.</summary>
    public JsonNode? Written { get; set; }

    /// <summary>The live status this one started from (null for a new service).</summary>
    public InferenceServiceStatus? Previous { get; }

    public InferenceServiceStatus Status { get; }

    public bool IsReady => Kube.Conditions.IsTrue(Status.Conditions, ConditionTypes.Ready);

    public StatusBuilder Set(string type, bool ok, string reason, string message)
    {
        Kube.Conditions.Set(Status.Conditions!, type, ok ? Kube.Conditions.True : Kube.Conditions.False, reason, message, generation, now);
        return this;
    }

    /// <summary>Ready from its parts: True when all are; else the first part that is False, else the first not yet established.</summary>
    public StatusBuilder Summarize(string readyMessage)
    {
        var parts = ConditionTypes.Parts.Select(t => (Type: t, Condition: Kube.Conditions.Find(Status.Conditions, t))).ToList();
        var failed = parts.FirstOrDefault(p => p.Condition?.Status == Kube.Conditions.False).Condition;
        if (failed is not null)
        {
            return Set(ConditionTypes.Ready, false, failed.Reason, failed.Message);
        }

        var pending = parts.FirstOrDefault(p => p.Condition?.Status != Kube.Conditions.True);
        return pending.Type is null
            ? Set(ConditionTypes.Ready, true, Reasons.Available, readyMessage)
            : Set(ConditionTypes.Ready, false, Reasons.Reconciling, $"{pending.Type} is not established yet");
    }

    /// <summary>Ready=False with this reason, regardless of the parts (an invalid spec stops everything).</summary>
    public StatusBuilder Fail(string reason, string message) => Set(ConditionTypes.Ready, false, reason, message);

    /// <summary>Conditions whose status, reason or message differ from the live status (what Events are recorded for).</summary>
    public IEnumerable<V1Condition> Changed()
    {
        foreach (var condition in Status.Conditions!)
        {
            var before = Kube.Conditions.Find(Previous?.Conditions, condition.Type);
            if (before is null || before.Status != condition.Status || before.Reason != condition.Reason || before.Message != condition.Message)
            {
                yield return condition;
            }
        }
    }

    /// <summary>WorkloadReady from the Deployment: its failure reasons (ProgressDeadlineExceeded, ReplicaFailure…) win; then ready replicas.</summary>
    public static (bool Ok, string Reason, string Message) FromDeployment(V1Deployment? deployment, int wanted)
    {
        if (deployment is null)
        {
            return (false, Reasons.Progressing, "Deployment not created yet");
        }

        var conditions = deployment.Status?.Conditions ?? [];
        var stalled = conditions.FirstOrDefault(c => c.Type == "Progressing" && c.Status == "False")
            ?? conditions.FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        if (stalled is not null)
        {
            return (false, string.IsNullOrEmpty(stalled.Reason) ? "DeploymentFailed" : stalled.Reason, $"Deployment {deployment.Metadata.Name}: {stalled.Message ?? stalled.Reason}");
        }

        var ready = deployment.Status?.ReadyReplicas ?? 0;
        var target = Math.Max(1, Math.Min(wanted, deployment.Spec?.Replicas ?? wanted));
        var upToDate = deployment.Status?.ObservedGeneration is null || deployment.Status.ObservedGeneration >= deployment.Metadata.Generation;
        return ready >= target && upToDate
            ? (true, Reasons.Available, $"{ready} of {deployment.Spec?.Replicas ?? ready} replicas ready")
            : (false, Reasons.Progressing, $"{ready} of {target} replicas ready");
    }
}
