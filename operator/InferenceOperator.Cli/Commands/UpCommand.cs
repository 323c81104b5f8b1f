using System.ComponentModel;
using InferenceOperator.Cli.Local;
using InferenceOperator.Cli.Manifests;
using InferenceOperator.Cli.Planning;
using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>`inferctl up -f MANIFEST`: run the manifests' InferenceServices on this machine, no cluster needed.</summary>
internal sealed class UpCommand : AsyncCommand<UpCommand.Settings>
{
    public class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <FILE>")]
        [Description("Manifests with InferenceServices (file:// models) and their InferencePolicies. Repeatable.")]
        public string[] Files { get; init; } = [];

        [CommandOption("--port <PORT>")]
        [Description("REST port on 127.0.0.1; 0 (default) picks a free one.")]
        [DefaultValue(0)]
        public int Port { get; init; }

        [CommandOption("--state-dir <DIR>")]
        [Description("Where local mode records what it started (default ~/.local/state/inferenceoperator).")]
        public string? StateDir { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Files.Length == 0)
        {
            throw new CliException("no manifests given: pass -f FILE (repeatable)");
        }

        var set = new ManifestReader(new CrdSchemas()).ReadFiles(settings.Files);
        if (!set.IsValid)
        {
            throw new CliException("invalid manifests: " + string.Join("; ", set.Problems));
        }

        var reconciler = new LocalReconciler(new LocalState(settings.StateDir), new InferenceOperator.Planning.Planner());
        foreach (var service in set.Services)
        {
            var plan = await LocalSteps.PlanAsync(reconciler, set, service, cancellationToken);
            AnsiConsole.Write(PlanView.Render(new ServicePlan(service, plan.PolicyName, plan.Local), $"{service.Metadata.Name} on this machine ({LocalMachine.Describe()})"));
            AnsiConsole.WriteLine();
            var (running, already) = await LocalSteps.UpAsync(reconciler, plan, settings.Port, cancellationToken);
            if (already)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{service.Metadata.Name} is already running[/] at {running.Endpoint} (pid {running.Pid})");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[green]{service.Metadata.Name} is ready[/] at {running.Endpoint} ({running.Precision}, batch ≤ {running.MaxBatchSize}, pid {running.Pid}, log {running.LogPath})");
            }
        }

        return 0;
    }
}

/// <summary>`inferctl down [NAME...]`: stop what `up` started (all, or the named services).</summary>
internal sealed class DownCommand : AsyncCommand<DownCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[NAME]")]
        [Description("Services to stop; none stops all.")]
        public string[] Names { get; init; } = [];

        [CommandOption("--state-dir <DIR>")]
        public string? StateDir { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var state = new LocalState(settings.StateDir);
        var reconciler = new LocalReconciler(state, new InferenceOperator.Planning.Planner());
        var services = state.All().Where(s => settings.Names.Length == 0 || settings.Names.Contains(s.Name)).ToList();
        foreach (var name in settings.Names.Where(n => services.All(s => s.Name != n)))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{name} is not running[/]");
        }

        foreach (var service in services)
        {
            await reconciler.DownAsync(service, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"stopped {service.Name} (pid {service.Pid}, port {service.HttpPort})");
        }

        return 0;
    }
}
