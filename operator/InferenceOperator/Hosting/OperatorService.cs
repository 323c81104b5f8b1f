using InferenceOperator.Kube;
using Microsoft.Extensions.Options;
using ElectionOptions = InferenceOperator.Kube.LeaderElectionOptions;

namespace InferenceOperator.Hosting;

/// <summary>
/// Runs the informers for the life of the process and reconciles while this replica leads (or always, without election).
/// A follower keeps its caches warm so it can take over at once.
/// </summary>
internal sealed class OperatorService(OperatorRuntime runtime, k8s.IKubernetes kubernetes, IOptions<OperatorOptions> settings, ILogger<OperatorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = settings.Value;
        var election = options.LeaderElection;
        Log.Starting(logger, string.IsNullOrEmpty(options.WatchNamespace) ? "all namespaces" : options.WatchNamespace, options.ServingImage, election.Enabled);
        var informers = runtime.RunInformersAsync(stoppingToken);
        try
        {
            await runtime.WaitForSyncAsync(stoppingToken).ConfigureAwait(false);
            Log.CachesSynced(logger);
            if (election.Enabled)
            {
                var leader = new LeaderElection(
                    kubernetes,
                    new ElectionOptions
                    {
                        LeaseNamespace = election.Namespace,
                        LeaseName = election.LeaseName,
                        Identity = Identity(election),
                        LeaseDuration = election.LeaseDuration,
                        RenewDeadline = election.RenewDeadline,
                        RetryPeriod = election.RetryPeriod,
                    },
                    logger);
                await leader.RunAsync(runtime.ReconcileAsync, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await runtime.ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // Logged, then the host stops: a crashed loop must not leave a silently idle operator.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.OperatorFailed(logger, e);
            throw;
        }

        await informers.ConfigureAwait(false);
    }

    internal static string Identity(LeaderElectionOptions election) =>
        string.IsNullOrEmpty(election.Identity) ? Environment.MachineName : election.Identity;
}
