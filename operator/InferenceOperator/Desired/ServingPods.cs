using System.Collections.Frozen;
using System.Globalization;
using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>
/// Reads the serving pods for what the Deployment's conditions do not say (until its progress deadline, minutes later):
/// that the fetch-model init container cannot fetch or verify the model the spec names now.
/// </summary>
internal static class ServingPods
{
    /// <summary>Reason of WorkloadReady when the init container fails (unreachable URI, checksum mismatch, conversion error).</summary>
    public const string ModelFetchFailed = "ModelFetchFailed";

    private const int MaxDetail = 1024;
    private static readonly FrozenSet<string> PullFailures = new[] { "ErrImagePull", "ImagePullBackOff", "InvalidImageName" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Label selector of every serving pod the operator's Deployments create.</summary>
    public static string Selector => $"app.kubernetes.io/component=serving,app.kubernetes.io/managed-by={ServingLabels.ManagedBy}";

    /// <summary>
    /// The first failure (by pod name) of a fetch-model init container that fetches the model the spec names now, as
    /// (reason, message); null when there is none. Pods of an older model are ignored: their failure is not this spec's.
    /// </summary>
    public static (string Reason, string Message)? FetchFailure(InferenceService service, IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(pods);
        var mine = pods
            .Where(p => p.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty
                && ServingLabels.Value(p.Metadata.Labels, ServingLabels.ServiceLabel) == service.Metadata.Name
                && p.Metadata.DeletionTimestamp is null)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal);
        foreach (var pod in mine)
        {
            var init = pod.Spec?.InitContainers?.FirstOrDefault(c => c.Name == ServingDeployment.FetchContainer);
            var state = pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == ServingDeployment.FetchContainer);
            if (init is null || state is null || !FetchesCurrentModel(init, service.Spec.Model))
            {
                continue;
            }

            // Failing now, or waiting to restart (CrashLoopBackOff) after a failed run.
            var failed = state.State?.Terminated is { ExitCode: not 0 } now ? now
                : state.State?.Waiting is not null && state.LastState?.Terminated is { ExitCode: not 0 } last ? last
                : null;
            if (failed is not null)
            {
                var detail = Detail(failed.Message);
                var restarts = state.RestartCount > 0 ? string.Create(CultureInfo.InvariantCulture, $", {state.RestartCount} restarts") : "";
                return (ModelFetchFailed, string.Create(
                    CultureInfo.InvariantCulture,
                    $"Pod {pod.Metadata.Name}: init container {ServingDeployment.FetchContainer} exited with code {failed.ExitCode} ({failed.Reason ?? "Error"}{restarts}){detail}. Check that spec.model.uri is reachable from the cluster and that spec.model.sha256 is the file's checksum; the kubelet retries with back-off"));
            }

            if (state.State?.Waiting is { Reason: { } waiting } && PullFailures.Contains(waiting))
            {
                return (waiting, $"Pod {pod.Metadata.Name}: init container {ServingDeployment.FetchContainer} cannot pull image {init.Image}{Detail(state.State.Waiting.Message)}");
            }
        }

        return null;
    }

    /// <summary>True when the init container's --uri and --sha256 are what the spec asks for now.</summary>
    private static bool FetchesCurrentModel(V1Container init, ModelSpec model)
    {
        var args = init.Args ?? [];
        return ArgAfter(args, "--uri") == ServingDeployment.ModelSource(model).Uri && ArgAfter(args, "--sha256") == model.Sha256;
    }

    private static string? ArgAfter(IList<string> args, string flag)
    {
        var at = args.IndexOf(flag);
        return at >= 0 && at + 1 < args.Count ? args[at + 1] : null;
    }

    private static string Detail(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "";
        }

        var trimmed = message.Trim();
        return ": " + (trimmed.Length > MaxDetail ? "…" + trimmed[^MaxDetail..] : trimmed);
    }
}
