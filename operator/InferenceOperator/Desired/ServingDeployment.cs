using System.Globalization;
using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>
/// The Deployment that runs the serving engine for a plan: an init container fetches the model, verifies its checksum
/// and converts it to the planned precision; the engine serves it with the planned batch limits on the planned device.
/// </summary>
internal static class ServingDeployment
{
    private const string ModelVolume = "model-cache";
    internal const string SourceVolume = "model-source";
    internal const string SourceRoot = "/model-source";
    internal const string FetchContainer = "fetch-model";

    /// <summary>Builds the Deployment; <c>replicas</c> is the count to own, or null when an autoscaler owns it (server-side apply: sending it would fight the autoscaler).</summary>
    public static V1Deployment Build(
        InferenceService service, PlanStatus plan, AcceleratorProfile accelerator, EngineConfig config, OperatorOptions options, int? replicas)
    {
        var labels = ServingLabels.For(service, plan);
        var template = service.Spec.Template;
        var podLabels = new Dictionary<string, string>(template?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            podLabels[key] = value;
        }

        var podAnnotations = new Dictionary<string, string>(template?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["prometheus.io/scrape"] = "true",
            ["prometheus.io/port"] = options.HttpPort.ToString(CultureInfo.InvariantCulture),
            ["prometheus.io/path"] = "/metrics",
            ["inferenceoperator.io/config-hash"] = config.Hash(),
        };

        var (sourceUri, sourceVolume) = ModelSource(service.Spec.Model);
        var volumes = new List<V1Volume>
        {
            new() { Name = "engine-config", ConfigMap = new V1ConfigMapVolumeSource { Name = Names.EngineConfig(service) } },
            service.Spec.Model.CacheClaimName is { } claim
                ? new V1Volume { Name = ModelVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }
                : new V1Volume { Name = ModelVolume, EmptyDir = new V1EmptyDirVolumeSource() },
            new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
        };
        if (sourceVolume is not null)
        {
            volumes.Add(sourceVolume);
        }

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Owner.Metadata(service, Names.Workload(service), labels),
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = ServingLabels.Selector(service) },
                // Never below capacity during a rollout: a new pod must be ready before an old one goes.
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = podLabels, Annotations = podAnnotations },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = template?.ServiceAccountName,
                        AutomountServiceAccountToken = false,
                        ImagePullSecrets = template?.ImagePullSecrets,
                        NodeSelector = Merge(accelerator.Spec.NodeSelector, template?.NodeSelector),
                        Tolerations = Concat(accelerator.Spec.Tolerations, template?.Tolerations),
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                            FsGroup = 1654,
                        },
                        TerminationGracePeriodSeconds = 45,
                        InitContainers = [FetchModel(service, plan, sourceUri, sourceVolume is not null, options)],
                        Containers = [Server(plan, accelerator, service, options)],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    private static V1Container FetchModel(InferenceService service, PlanStatus plan, string sourceUri, bool mountSource, OperatorOptions options)
    {
        var args = new List<string>
        {
            "model", "fetch",
            "--uri", sourceUri,
            "--precision", (plan.Precision ?? Api.Precision.Fp32).ToString().ToLowerInvariant(),
            "--output", $"{EngineConfig.ModelFolder}/{EngineConfig.ModelFileName(plan)}",
        };
        if (service.Spec.Model.Sha256 is { } sha)
        {
            args.AddRange(["--sha256", sha]);
        }

        var mounts = new List<V1VolumeMount>
        {
            new() { Name = ModelVolume, MountPath = EngineConfig.ModelFolder },
            new() { Name = "tmp", MountPath = "/tmp" },
        };
        if (mountSource)
        {
            mounts.Add(new V1VolumeMount { Name = SourceVolume, MountPath = SourceRoot, ReadOnlyProperty = true });
        }

        return new V1Container
        {
            Name = FetchContainer,
            Image = options.ServingImage,
            Command = ["inferctl"],
            Args = args,
            // inferctl prints why a fetch failed (unreachable, checksum mismatch) on stderr: the kubelet's last log lines
            // become the termination message the operator copies into WorkloadReady.
            TerminationMessagePolicy = "FallbackToLogsOnError",
            SecurityContext = Restricted(),
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("1Gi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("4Gi") },
            },
            VolumeMounts = mounts,
        };
    }

    private static V1Container Server(PlanStatus plan, AcceleratorProfile accelerator, InferenceService service, OperatorOptions options) => new()
    {
        Name = "server",
        Image = options.ServingImage,
        Args = ["--config", $"{EngineConfig.MountPath}/{EngineConfig.FileName}"],
        Env = [new V1EnvVar { Name = "DOTNET_gcServer", Value = "0" }],
        Ports =
        [
            new V1ContainerPort { Name = "http", ContainerPort = options.HttpPort, Protocol = "TCP" },
            new V1ContainerPort { Name = "grpc", ContainerPort = options.GrpcPort, Protocol = "TCP" },
        ],
        // Model load and warm-up can take minutes on a cold node: the startup probe holds liveness off until then.
        StartupProbe = Probe("/v2/health/live", periodSeconds: 5, failureThreshold: 120),
        LivenessProbe = Probe("/v2/health/live", periodSeconds: 10, failureThreshold: 3),
        ReadinessProbe = Probe("/v2/health/ready", periodSeconds: 5, failureThreshold: 2),
        Resources = Resources(accelerator, service),
        SecurityContext = Restricted(),
        VolumeMounts =
        [
            new V1VolumeMount { Name = "engine-config", MountPath = EngineConfig.MountPath, ReadOnlyProperty = true },
            new V1VolumeMount { Name = ModelVolume, MountPath = EngineConfig.ModelFolder, ReadOnlyProperty = true },
            new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
        ],
    };

    /// <summary>CPU profiles: the replica's vCPUs and memory as requests = limits (Guaranteed QoS). GPU profiles: one device.</summary>
    internal static V1ResourceRequirements Resources(AcceleratorProfile accelerator, InferenceService service)
    {
        if (accelerator.Spec.Cpu is { } cpu && accelerator.Spec.ResourceName is null)
        {
            var quantities = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(cpu.VCpus.ToString(CultureInfo.InvariantCulture)),
                ["memory"] = new(Mebibytes(cpu.MemoryGiB)),
            };
            return new V1ResourceRequirements { Requests = quantities, Limits = new Dictionary<string, ResourceQuantity>(quantities) };
        }

        // Host memory for a GPU pod: room to load the fp32 file once plus the runtime (profile known) or 4 GiB.
        var hostGiB = service.Status?.ModelProfile?.Parameters is { } parameters ? Math.Max(2, (parameters * 8.0 / (1 << 30)) + 1.5) : 4;
        return new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new(Mebibytes(hostGiB)) },
            Limits = new Dictionary<string, ResourceQuantity>
            {
                [accelerator.Spec.ResourceName!] = new("1"),
                ["memory"] = new(Mebibytes(hostGiB)),
            },
        };
    }

    internal static (string Uri, V1Volume? Volume) ModelSource(ModelSpec model)
    {
        if (!model.Uri.StartsWith("pvc://", StringComparison.Ordinal))
        {
            return (model.Uri, null);
        }

        // pvc://CLAIM/path: mount the claim read-only and hand the init container a file path inside it.
        var rest = model.Uri["pvc://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var claim = rest[..slash];
        var volume = new V1Volume
        {
            Name = SourceVolume,
            PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim, ReadOnlyProperty = true },
        };
        return ($"file://{SourceRoot}/{rest[(slash + 1)..]}", volume);
    }

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = "http" },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 2,
    };

    internal static V1SecurityContext Restricted() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static string Mebibytes(double gibibytes) =>
        ((long)Math.Ceiling(gibibytes * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi";

    private static Dictionary<string, string>? Merge(IDictionary<string, string>? first, IDictionary<string, string>? second)
    {
        if (first is null && second is null)
        {
            return null;
        }

        var merged = new Dictionary<string, string>(first ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in second ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        return merged;
    }

    private static List<V1Toleration>? Concat(IList<V1Toleration>? first, IList<V1Toleration>? second) =>
        first is null && second is null ? null : [.. first ?? [], .. second ?? []];
}
