using System.Net;
using System.Text.Json.Nodes;
using InferenceOperator.Api;
using InferenceOperator.Api.Validation;
using InferenceOperator.ApiMapping;
using InferenceOperator.Desired;
using InferenceOperator.Kube;
using InferenceOperator.Metrics;
using Planner = InferenceOperator.Planning.Planner;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using ApiAccelerator = InferenceOperator.Api.AcceleratorProfile;

namespace InferenceOperator.Controllers;

/// <summary>
/// Reconciles one InferenceService, level-triggered and idempotent: validate → policy → catalog → profile → plan →
/// apply the owned objects (server-side apply, skipped when the live object already holds every desired field) →
/// status (patched only when it changed). Terminal problems are written to status and not retried in a loop.
/// </summary>
internal sealed class InferenceServiceReconciler(
    OperatorCaches caches,
    OperatorClients clients,
    EventRecorder events,
    IPlanMetrics planMetrics,
    IOptions<OperatorOptions> settings,
    Planner planner,
    TimeProvider time,
    ILogger<InferenceServiceReconciler> logger) : IReconciler<InferenceService>
{
    private const string ProgressAction = "Reconcile";

    private readonly OperatorOptions options = settings.Value;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var service = caches.Services.Get(key);
        if (service is null || service.Metadata.DeletionTimestamp is not null)
        {
            // Owned objects go with their ownerReferences (garbage collection); only our own series remain to drop.
            planMetrics.Forget(key);
            return ReconcileResult.Done;
        }

        var status = new StatusBuilder(service, time.GetUtcNow());
        var errors = SpecValidator.Validate(service);
        if (errors.Count > 0)
        {
            status.Fail(Reasons.InvalidSpec, string.Join("; ", errors.Select(e => e.ToString())));
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var (policy, policyProblem) = ResolvePolicy(service);
        if (policyProblem is { } problem)
        {
            status.Set(ConditionTypes.PlanReady, false, problem.Reason, problem.Message).Summarize("");
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var catalog = caches.Accelerators.List().OrderBy(a => a.Metadata.Name, StringComparer.Ordinal).ToList();
        if (catalog.Count == 0)
        {
            status.Set(ConditionTypes.PlanReady, false, Reasons.NoAcceleratorProfiles, "No AcceleratorProfiles exist: install the catalog (kubectl apply -k config/catalog) or create one for your hardware").Summarize("");
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (service.Spec.Accelerator is { } pinned && pinned != "auto" && catalog.All(a => a.Metadata.Name != pinned))
        {
            status.Set(ConditionTypes.PlanReady, false, Reasons.AcceleratorProfileNotFound, $"spec.accelerator names AcceleratorProfile '{pinned}', which does not exist: create it, or set spec.accelerator to auto or one of {string.Join(", ", catalog.Select(a => a.Metadata.Name))} (the service is planned as soon as it exists)").Summarize("");
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var profile = await ProfileAsync(service, status, cancellationToken).ConfigureAwait(false);
        if (profile is null)
        {
            status.Summarize("");
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var plan = planner.Plan(profile.ToPlanning(service.Metadata.Name), service.Spec.Slo.ToPlanning(), policy.ToPlanning(), catalog.Select(a => a.ToPlanning()).ToList(), service.Spec.Overrides());
        var planStatus = plan.ToStatus();
        status.Status.Plan = planStatus;
        if (!plan.IsFeasible)
        {
            status.Set(ConditionTypes.PlanReady, false, Reasons.NoFeasiblePlan, plan.Explain()).Summarize("");
            planMetrics.Forget(key);
            await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var accelerator = catalog.First(a => a.Metadata.Name == planStatus.Accelerator);
        status.Set(ConditionTypes.PlanReady, true, Reasons.Planned, Summary(planStatus));
        planMetrics.Planned(key, planStatus, policy?.CarbonIntensityGramsPerKwh ?? 400, service.Spec.Slo.LatencyP95Ms);

        await ApplyWorkloadAsync(service, planStatus, accelerator, policy, status, cancellationToken).ConfigureAwait(false);
        status.Summarize($"Serving at {Names.Endpoint(service, options.HttpPort)}");
        await FinishAsync(service, status, cancellationToken).ConfigureAwait(false);

        // Not Ready yet (rolling out, or a name conflict that clears only when someone removes an object no watch of ours
        // sees): the controller's not-Ready resync comes back to it; events bring it back sooner.
        return ReconcileResult.Done;
    }

    /// <summary>Services the frequent resync revisits: not Ready, or their latest generation not yet reconciled.</summary>
    internal static bool IsUnsettled(InferenceService service) =>
        !Kube.Conditions.IsTrue(service.Status?.Conditions, ConditionTypes.Ready) || service.Status?.ObservedGeneration != service.Metadata.Generation;

    /// <summary>Services a policy change affects: those naming it, and those without policyRef when it is the default.</summary>
    internal static IEnumerable<ObjectKey> AffectedBy(InferencePolicy policy, IEntityCache<InferenceService> services, OperatorOptions options) =>
        services.List(policy.Metadata.NamespaceProperty)
            .Where(s => s.Spec.PolicyRef?.Name == policy.Metadata.Name || (s.Spec.PolicyRef is null && options.DefaultPolicy == policy.Metadata.Name))
            .Select(ObjectKey.Of);

    /// <summary>
    /// Services an AcceleratorProfile change affects: those planned on it or pinning it, those without a plan yet, and those
    /// whose policy lets the planner choose it (a new or cheaper profile can win).
    /// </summary>
    internal static IEnumerable<ObjectKey> AffectedBy(ApiAccelerator profile, IEntityCache<InferenceService> services, IEntityCache<InferencePolicy> policies, OperatorOptions options)
    {
        var name = profile.Metadata.Name;
        foreach (var service in services.List())
        {
            var pinned = service.Spec.Accelerator is { } a && a != "auto" ? a : null;
            bool affected;
            if (pinned is not null)
            {
                affected = pinned == name;
            }
            else if (service.Status?.Plan?.Accelerator == name || !Kube.Conditions.IsTrue(service.Status?.Conditions, ConditionTypes.PlanReady))
            {
                affected = true;
            }
            else
            {
                var policyName = service.Spec.PolicyRef?.Name ?? options.DefaultPolicy;
                var allowed = policyName is null ? null : policies.Get(new ObjectKey(service.Metadata.NamespaceProperty, policyName))?.Spec.AllowedAccelerators;
                affected = allowed is null || allowed.Contains(name);
            }

            if (affected)
            {
                yield return ObjectKey.Of(service);
            }
        }
    }

    private (InferencePolicySpec? Policy, (string Reason, string Message)? Problem) ResolvePolicy(InferenceService service)
    {
        var ns = service.Metadata.NamespaceProperty;
        if (service.Spec.PolicyRef is { } reference)
        {
            var named = caches.Policies.Get(new ObjectKey(ns, reference.Name));
            if (named is null)
            {
                return (null, (Reasons.PolicyNotFound, $"InferencePolicy '{reference.Name}' not found in namespace '{ns}': create it there or change spec.policyRef.name (the service is planned as soon as it exists)"));
            }

            return Checked(named);
        }

        if (options.DefaultPolicy is { Length: > 0 } fallback && caches.Policies.Get(new ObjectKey(ns, fallback)) is { } defaultPolicy)
        {
            return Checked(defaultPolicy);
        }

        // No policy named and no default in the namespace: the planner's built-in defaults (objective cost).
        return (null, null);
    }

    private static (InferencePolicySpec? Policy, (string Reason, string Message)? Problem) Checked(InferencePolicy policy)
    {
        var errors = SpecValidator.Validate(policy);
        return errors.Count == 0
            ? (policy.Spec, null)
            : (null, (Reasons.PolicyInvalid, $"InferencePolicy '{policy.Metadata.Name}' is invalid: {string.Join("; ", errors.Select(e => e.ToString()))}"));
    }

    /// <summary>The model profile to plan from: spec hints, the stored profile, or the result of a profiling Job (null while there is none).</summary>
    private async Task<ModelProfile?> ProfileAsync(InferenceService service, StatusBuilder status, CancellationToken cancellationToken)
    {
        var model = service.Spec.Model;
        if (model.Profile is { } hints)
        {
            status.Set(ConditionTypes.ProfileReady, true, Reasons.ProfileHints, "Planning from spec.model.profile");
            return hints;
        }

        var jobKey = new ObjectKey(service.Metadata.NamespaceProperty, Names.ProfileJob(service));
        var job = caches.Jobs.Get(jobKey);
        var stored = status.Status.ModelProfile;
        if (stored is not null && IsCurrent(stored, model))
        {
            if (job is not null && Owner.IsOwnedBy(job.Metadata, service))
            {
                await DeleteJobAsync(jobKey, "the profile is stored in status", cancellationToken).ConfigureAwait(false);
            }

            if (!Kube.Conditions.IsTrue(status.Status.Conditions, ConditionTypes.ProfileReady))
            {
                status.Set(ConditionTypes.ProfileReady, true, Reasons.Profiled, $"{ProfiledPrefix(model)} planning from status.modelProfile");
            }

            return stored;
        }

        if (job is not null && !Owner.IsOwnedBy(job.Metadata, service))
        {
            status.Set(ConditionTypes.ProfileReady, false, Reasons.NameConflict, $"Job {jobKey} exists and is not controlled by this InferenceService: delete it or rename the service");
            return null;
        }

        if (job is not null && !ProfileJob.IsFor(job, service))
        {
            // The model changed since this Job started: its result would describe the wrong file.
            await DeleteJobAsync(jobKey, "spec.model changed", cancellationToken).ConfigureAwait(false);
            job = null;
        }

        if (job is null)
        {
            var desired = ProfileJob.Build(service, options);
            await clients.Jobs.ApplyAsync(desired, force: true, cancellationToken).ConfigureAwait(false);
            Log.ProfileJobCreated(logger, ObjectKey.Of(service), desired.Metadata.Name);
            status.Set(ConditionTypes.ProfileReady, false, Reasons.Profiling, $"Profiling Job {desired.Metadata.Name} started for {model.Uri}");
            return null;
        }

        switch (ProfileJob.Outcome(job, caches.ProfilePods.List(service.Metadata.NamespaceProperty)))
        {
            case ProfileOutcome.Succeeded succeeded:
                var profile = succeeded.Profile;
                profile.Sha256 ??= model.Sha256;
                profile.Uri = model.Uri;
                status.Status.ModelProfile = profile;
                status.Set(ConditionTypes.ProfileReady, true, Reasons.Profiled, $"{ProfiledPrefix(model)} {profile.Parameters} parameters, {profile.FlopsPerInference:0.###e0} FLOPs per inference");

                // The profile must be stored before the Job that holds it goes.
                await WriteStatusAsync(service, status, cancellationToken).ConfigureAwait(false);
                await DeleteJobAsync(jobKey, "profile stored in status", cancellationToken).ConfigureAwait(false);
                return profile;
            case ProfileOutcome.Failed failed:
                // Terminal until spec.model changes: the Job stays as evidence and is not retried beyond its backoffLimit.
                status.Set(ConditionTypes.ProfileReady, false, failed.Reason, failed.Message);
                return null;
            case ProfileOutcome.Running running:
                status.Set(ConditionTypes.ProfileReady, false, Reasons.Profiling, running.Message);
                return null;
            default:
                throw new InvalidOperationException("unknown profile outcome");
        }
    }

    /// <summary>
    /// Whether status.modelProfile describes the model the spec names now: by checksum when the spec has one (the same
    /// file moved to another URI needs no new profile), else by the URI recorded in status.modelProfile.uri.
    /// </summary>
    internal static bool IsCurrent(ModelProfile stored, ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(model);
        return model.Sha256 is { } sha ? stored.Sha256 == sha : stored.Uri == model.Uri;
    }

    private static string ProfiledPrefix(ModelSpec model) => $"Profiled {model.Uri}:";

    /// <summary>Applies every owned object that differs from its live copy; nothing at all when a name is taken.</summary>
    private async Task ApplyWorkloadAsync(InferenceService service, PlanStatus plan, ApiAccelerator accelerator, InferencePolicySpec? policy, StatusBuilder status, CancellationToken cancellationToken)
    {
        var ns = service.Metadata.NamespaceProperty;
        var name = Names.Workload(service);
        var config = EngineConfig.For(service, plan, accelerator, options);
        var autoscaler = Autoscaler.Build(service, plan, accelerator, policy, options);
        var configMap = config.ToConfigMap(service, plan);
        var deployment = ServingDeployment.Build(service, plan, accelerator, config, options, autoscaler.DeploymentReplicas);
        var kubeService = ServingService.Build(service, plan, options);
        var budget = ServingService.DisruptionBudget(service, plan, autoscaler.SteadyStateMinimum);

        var liveConfigMap = await LiveAsync(caches.ConfigMaps, clients.ConfigMaps, new ObjectKey(ns, configMap.Metadata.Name), cancellationToken).ConfigureAwait(false);
        var liveDeployment = await LiveAsync(caches.Deployments, clients.Deployments, new ObjectKey(ns, name), cancellationToken).ConfigureAwait(false);
        var liveService = await LiveAsync(caches.KubeServices, clients.KubeServices, new ObjectKey(ns, name), cancellationToken).ConfigureAwait(false);
        var liveBudget = await LiveAsync(caches.DisruptionBudgets, clients.DisruptionBudgets, new ObjectKey(ns, name), cancellationToken).ConfigureAwait(false);
        var liveHpa = await LiveAsync(caches.Autoscalers, clients.Autoscalers, new ObjectKey(ns, name), cancellationToken).ConfigureAwait(false);
        var liveScaledObject = await GetScaledObjectAsync(ns, name, cancellationToken).ConfigureAwait(false);

        // Check every name before writing anything: never a half-applied set of objects.
        var taken = new (string Kind, V1ObjectMeta? Meta, bool Wanted)[]
        {
            ("ConfigMap", liveConfigMap?.Metadata, true),
            ("Deployment", liveDeployment?.Metadata, true),
            ("Service", liveService?.Metadata, true),
            ("PodDisruptionBudget", liveBudget?.Metadata, budget is not null),
            ("HorizontalPodAutoscaler", liveHpa?.Metadata, autoscaler.Hpa is not null),
            ("ScaledObject", liveScaledObject?.Metadata, autoscaler.ScaledObject is not null),
        }.FirstOrDefault(t => t.Wanted && t.Meta is not null && !Owner.IsOwnedBy(t.Meta, service));
        if (taken.Kind is not null)
        {
            status.Set(ConditionTypes.WorkloadReady, false, Reasons.NameConflict, $"{taken.Kind} {ns}/{taken.Meta!.Name} already exists and is not controlled by this InferenceService: delete or rename it, or rename the service");
            return;
        }

        await ApplyIfChangedAsync(clients.ConfigMaps, configMap, liveConfigMap, cancellationToken).ConfigureAwait(false);
        var appliedDeployment = await ApplyIfChangedAsync(clients.Deployments, deployment, liveDeployment, cancellationToken).ConfigureAwait(false);
        await ApplyIfChangedAsync(clients.KubeServices, kubeService, liveService, cancellationToken).ConfigureAwait(false);
        if (budget is not null)
        {
            await ApplyIfChangedAsync(clients.DisruptionBudgets, budget, liveBudget, cancellationToken).ConfigureAwait(false);
        }
        else if (liveBudget is not null)
        {
            await DeleteAsync(clients.DisruptionBudgets, ns, name, "a single replica needs no PodDisruptionBudget", cancellationToken).ConfigureAwait(false);
        }

        await ApplyAutoscalerAsync(service, autoscaler, liveHpa, liveScaledObject, status, cancellationToken).ConfigureAwait(false);

        var workload = StatusBuilder.FromDeployment(appliedDeployment, Math.Max(1, autoscaler.MinReplicas));

        // A model that cannot be fetched shows in the pods at once, in the Deployment only at its progress deadline.
        if (ServingPods.FetchFailure(service, caches.ServingPods.List(ns)) is { } fetch)
        {
            workload = (false, fetch.Reason, fetch.Message);
        }

        status.Set(ConditionTypes.WorkloadReady, workload.Ok, workload.Reason, workload.Message);
        status.Status.Endpoint = Names.Endpoint(service, options.HttpPort);
        status.Status.Replicas = appliedDeployment?.Status?.Replicas ?? 0;
        status.Status.ReadyReplicas = appliedDeployment?.Status?.ReadyReplicas ?? 0;
    }

    private async Task ApplyAutoscalerAsync(InferenceService service, AutoscalerPlan autoscaler, V2HorizontalPodAutoscaler? liveHpa, ScaledObject? liveScaledObject, StatusBuilder status, CancellationToken cancellationToken)
    {
        var ns = service.Metadata.NamespaceProperty;
        var name = Names.Workload(service);

        // Switching engines: the old engine's object goes, or two autoscalers would fight over one Deployment.
        if (autoscaler.Hpa is null && liveHpa is not null)
        {
            await DeleteAsync(clients.Autoscalers, ns, name, $"autoscaling engine is now {autoscaler.Engine.ToString().ToLowerInvariant()}", cancellationToken).ConfigureAwait(false);
        }

        if (autoscaler.ScaledObject is null && liveScaledObject is not null)
        {
            await DeleteAsync(clients.ScaledObjects, ns, name, $"autoscaling engine is now {autoscaler.Engine.ToString().ToLowerInvariant()}", cancellationToken).ConfigureAwait(false);
        }

        if (autoscaler.Hpa is { } hpa)
        {
            await ApplyIfChangedAsync(clients.Autoscalers, hpa, liveHpa, cancellationToken).ConfigureAwait(false);
        }

        if (autoscaler.ScaledObject is { } scaledObject)
        {
            try
            {
                await ApplyIfChangedAsync(clients.ScaledObjects, scaledObject, liveScaledObject, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                status.Set(ConditionTypes.AutoscalerReady, false, Reasons.KedaNotInstalled, "spec.autoscaling.engine is keda but the keda.sh/v1alpha1 ScaledObject resource is not served: install KEDA or use engine hpa");
                return;
            }
        }

        var reason = autoscaler.Cap is not null ? Reasons.BudgetCapped
            : autoscaler.Engine == AutoscalingEngine.None ? Reasons.FixedReplicas
            : Reasons.AutoscalerConfigured;
        status.Set(ConditionTypes.AutoscalerReady, true, reason, autoscaler.Describe());
    }

    /// <summary>
    /// The live object from the cache. The caches only hold objects labelled as ours, so a miss is confirmed with a GET
    /// (a read, never a write): an unlabelled object of the same name is someone else's and must not be taken over.
    /// </summary>
    private static async Task<T?> LiveAsync<T>(IEntityCache<T> cache, EntityClient<T> client, ObjectKey key, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        cache.Get(key) ?? await client.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);

    private async Task<ScaledObject?> GetScaledObjectAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.ScaledObjects.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // KEDA not installed (or not readable): there is no ScaledObject to keep or remove.
            return null;
        }
    }

    private async Task<T?> ApplyIfChangedAsync<T>(EntityClient<T> client, T desired, T? live, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (live is not null && JsonSubset.Covers(desired, live))
        {
            return live;
        }

        var applied = await client.ApplyAsync(desired, force: true, cancellationToken).ConfigureAwait(false);
        Log.Applied(logger, client.Info.Kind, ObjectKey.Of(desired));
        return applied;
    }

    private async Task DeleteAsync<T>(EntityClient<T> client, string? ns, string name, string why, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (await client.DeleteAsync(ns, name, cancellationToken).ConfigureAwait(false))
        {
            Log.Deleted(logger, client.Info.Kind, new ObjectKey(ns, name), why);
        }
    }

    private async Task DeleteJobAsync(ObjectKey job, string why, CancellationToken cancellationToken)
    {
        try
        {
            // Background propagation: batch/v1 Jobs would otherwise orphan their pods.
            await clients.Kubernetes.BatchV1.DeleteNamespacedJobAsync(job.Name, job.Namespace ?? "default", propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Deleted(logger, "Job", job, why);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    /// <summary>Writes the status if it changed and records an Event for every condition that changed.</summary>
    private async Task FinishAsync(InferenceService service, StatusBuilder status, CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(service);
        await WriteStatusAsync(service, status, cancellationToken).ConfigureAwait(false);
        var previousPlan = status.Previous?.Plan;
        var plan = status.Status.Plan;
        if (plan?.Accelerator is not null && Kube.Conditions.IsTrue(status.Status.Conditions, ConditionTypes.PlanReady)
            && (previousPlan?.Accelerator != plan.Accelerator || previousPlan?.Precision != plan.Precision || previousPlan?.MaxBatchSize != plan.MaxBatchSize || previousPlan?.Replicas != plan.Replicas))
        {
            Log.Planned(logger, key, plan.Accelerator, plan.Precision?.ToString(), plan.Replicas);
            var from = previousPlan?.Accelerator is null ? "" : $" (was {Summary(previousPlan)})";
            await events.RecordAsync(service, EventRecorder.Normal, "PlanChanged", "Plan", $"Planned {Summary(plan)}{from}", cancellationToken).ConfigureAwait(false);
        }

        foreach (var condition in status.Changed().Where(c => c.Type != ConditionTypes.PlanReady || c.Status != Kube.Conditions.True).ToList())
        {
            Log.ConditionChanged(logger, key, condition.Type, condition.Status, condition.Reason, condition.Message);
            if (condition.Type == ConditionTypes.Ready && condition.Status == Kube.Conditions.False && !Reasons.IsProgress(condition.Reason))
            {
                // The failing part already has its own Event.
                continue;
            }

            var type = condition.Status == Kube.Conditions.True || Reasons.IsProgress(condition.Reason) ? EventRecorder.Normal : EventRecorder.Warning;
            if (condition.Reason == Reasons.BudgetCapped)
            {
                type = EventRecorder.Warning;
            }

            await events.RecordAsync(service, type, condition.Reason, ProgressAction, $"{condition.Type}: {condition.Message}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>JSON merge patch of /status with only what differs from the live status; no call at all when nothing does.</summary>
    private async Task WriteStatusAsync(InferenceService service, StatusBuilder status, CancellationToken cancellationToken)
    {
        var wanted = JsonNode.Parse(KubernetesJson.Serialize(status.Status));
        if (JsonSubset.MergePatch(status.Written, wanted) is not { } patch)
        {
            return;
        }

        var info = clients.Services.Info;
        var body = new JsonObject { ["status"] = patch }.ToJsonString();
        using var response = await clients.Kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), info.Group, info.Version, service.Metadata.NamespaceProperty, info.Plural, service.Metadata.Name,
            fieldManager: clients.Services.FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);

        // Later steps of this reconcile compare against what was just written (the cached object is never mutated).
        status.Written = wanted;
        Log.StatusWritten(logger, ObjectKey.Of(service));
    }

    private static string Summary(PlanStatus plan) =>
        $"{plan.Accelerator}/{plan.Precision?.ToString().ToLowerInvariant()} batch {plan.MaxBatchSize} x {plan.Replicas} replicas, ${plan.CostPerHour}/h";
}
