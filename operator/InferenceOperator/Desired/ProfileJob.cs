using System.Text.Json;
using InferenceOperator.Api;
using k8s;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>What became of a profiling Job.</summary>
internal abstract record ProfileOutcome
{
    private ProfileOutcome()
    {
    }

    /// <summary>Still running (or its pod's result is not visible yet).</summary>
    public sealed record Running(string Message) : ProfileOutcome;

    public sealed record Succeeded(ModelProfile Profile) : ProfileOutcome;

    /// <summary>Failed for good: <paramref name="Reason"/> is the pod's (OOMKilled, Error, DeadlineExceeded…) in CamelCase.</summary>
    public sealed record Failed(string Reason, string Message) : ProfileOutcome;
}

/// <summary>
/// The Job that profiles a model without hints: `inferctl model profile` in the serving image writes the compact JSON
/// profile (at most 4 KB) as its termination message, which the operator reads from the Job's pod.
/// </summary>
internal static class ProfileJob
{
    public const string RoleLabel = "inferenceoperator.io/role";
    public const string Role = "profile";
    public const string UriAnnotation = "inferenceoperator.io/model-uri";
    public const string Sha256Annotation = "inferenceoperator.io/model-sha256";

    /// <summary>Kubernetes retries a failed profiling pod this many times before the Job fails: the bounded retry.</summary>
    public const int BackoffLimit = 2;

    /// <summary>Label selector of every profiling pod, for the pod informer.</summary>
    public static string PodSelector => $"{RoleLabel}={Role}";

    public static V1Job Build(InferenceService service, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var model = service.Spec.Model;
        var (uri, sourceVolume) = ServingDeployment.ModelSource(model);
        var args = new List<string> { "model", "profile", "--uri", uri };
        if (model.Sha256 is { } sha)
        {
            args.AddRange(["--sha256", sha]);
        }

        args.Add("--termination-message");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app.kubernetes.io/name"] = "inference-profiler",
            ["app.kubernetes.io/instance"] = service.Metadata.Name,
            ["app.kubernetes.io/managed-by"] = ServingLabels.ManagedBy,
            [ServingLabels.ServiceLabel] = service.Metadata.Name,
            [RoleLabel] = Role,
        };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = "/tmp" } };
        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        if (sourceVolume is not null)
        {
            volumes.Add(sourceVolume);
            mounts.Add(new V1VolumeMount { Name = ServingDeployment.SourceVolume, MountPath = ServingDeployment.SourceRoot, ReadOnlyProperty = true });
        }

        var metadata = Owner.Metadata(service, Names.ProfileJob(service), labels);
        metadata.Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [UriAnnotation] = model.Uri };
        if (model.Sha256 is { } expected)
        {
            metadata.Annotations[Sha256Annotation] = expected;
        }

        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = metadata,
            Spec = new V1JobSpec
            {
                BackoffLimit = BackoffLimit,
                ActiveDeadlineSeconds = 1800,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        AutomountServiceAccountToken = false,
                        ServiceAccountName = service.Spec.Template?.ServiceAccountName,
                        ImagePullSecrets = service.Spec.Template?.ImagePullSecrets,
                        SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "profile",
                                Image = options.ServingImage,
                                Command = ["inferctl"],
                                Args = args,
                                TerminationMessagePath = "/dev/termination-log",
                                // Success writes the profile to the file; a failure with an empty file reports its last log lines.
                                TerminationMessagePolicy = "FallbackToLogsOnError",
                                SecurityContext = ServingDeployment.Restricted(),
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("8Gi") },
                                },
                                VolumeMounts = mounts,
                            },
                        ],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    /// <summary>True when the Job was made for the model the spec names now (a changed uri or sha256 needs a new Job).</summary>
    public static bool IsFor(V1Job job, InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(service);
        var annotations = job.Metadata.Annotations ?? new Dictionary<string, string>();
        return ServingLabels.Value(annotations, UriAnnotation) == service.Spec.Model.Uri
            && ServingLabels.Value(annotations, Sha256Annotation) == service.Spec.Model.Sha256;
    }

    /// <summary>Reads the Job's state and its newest terminated pod's termination message.</summary>
    public static ProfileOutcome Outcome(V1Job job, IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(pods);
        var name = job.Metadata.Name;
        var mine = pods
            .Where(p => p.Metadata.NamespaceProperty == job.Metadata.NamespaceProperty && IsPodOf(p, job))
            .OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ToList();
        var terminated = mine
            .Select(p => (Pod: p, State: p.Status?.ContainerStatuses?.Select(s => s.State?.Terminated).FirstOrDefault(t => t is not null)))
            .FirstOrDefault(x => x.State is not null);
        var conditions = job.Status?.Conditions ?? [];
        var complete = conditions.Any(c => c.Type == "Complete" && c.Status == "True") || job.Status?.Succeeded > 0;
        var failed = conditions.Any(c => c.Type == "Failed" && c.Status == "True");

        if (complete)
        {
            var succeeded = mine
                .Select(p => p.Status?.ContainerStatuses?.Select(s => s.State?.Terminated).FirstOrDefault(t => t is { ExitCode: 0 }))
                .FirstOrDefault(t => t is not null);
            if (succeeded is null)
            {
                return new ProfileOutcome.Running($"Job {name} completed; waiting to see its pod's result");
            }

            return Parse(succeeded.Message, name);
        }

        if (failed)
        {
            var jobReason = conditions.First(c => c.Type == "Failed" && c.Status == "True");
            if (terminated.State is { } state)
            {
                var reason = IsCamelCase(state.Reason) ? state.Reason! : "ProfileFailed";
                var detail = string.IsNullOrWhiteSpace(state.Message) ? "" : ": " + state.Message.Trim();
                var hint = reason == "OOMKilled" ? " (the profiler ran out of memory: the model may be larger than its 8Gi limit)" : "";
                return new ProfileOutcome.Failed(reason, $"Profiling Job {name} failed after {BackoffLimit + 1} attempts; pod {terminated.Pod.Metadata.Name} exited with code {state.ExitCode}, reason {state.Reason ?? "unknown"}{hint}{detail}");
            }

            return new ProfileOutcome.Failed(IsCamelCase(jobReason.Reason) ? jobReason.Reason! : "ProfileFailed", $"Profiling Job {name} failed: {jobReason.Message ?? jobReason.Reason ?? "no reason given"}");
        }

        return new ProfileOutcome.Running($"Profiling Job {name} is running ({job.Status?.Failed ?? 0} failed attempts of {BackoffLimit + 1})");
    }

    private static ProfileOutcome Parse(string? message, string job)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return new ProfileOutcome.Failed("ProfileInvalid", $"Profiling Job {job} succeeded but its pod left no termination message: the serving image's inferctl must support --termination-message");
        }

        ModelProfile? profile;
        try
        {
            profile = KubernetesJson.Deserialize<ModelProfile>(message);
        }
        catch (JsonException e)
        {
            return new ProfileOutcome.Failed("ProfileInvalid", $"Profiling Job {job} wrote a termination message that is not a model profile: {e.Message}");
        }

        if (profile is null || profile.Parameters < 1 || !(profile.FlopsPerInference > 0) || !double.IsFinite(profile.FlopsPerInference))
        {
            return new ProfileOutcome.Failed("ProfileInvalid", $"Profiling Job {job} wrote a profile without parameters and flopsPerInference");
        }

        return new ProfileOutcome.Succeeded(profile);
    }

    private static bool IsPodOf(V1Pod pod, V1Job job)
    {
        var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        return ServingLabels.Value(labels, "batch.kubernetes.io/job-name") == job.Metadata.Name
            || ServingLabels.Value(labels, "job-name") == job.Metadata.Name
            || (pod.Metadata.OwnerReferences?.Any(r => r.Kind == "Job" && (r.Uid == job.Metadata.Uid || r.Name == job.Metadata.Name)) ?? false);
    }

    private static bool IsCamelCase(string? reason) =>
        !string.IsNullOrEmpty(reason) && char.IsUpper(reason[0]) && reason.All(char.IsLetterOrDigit);
}
