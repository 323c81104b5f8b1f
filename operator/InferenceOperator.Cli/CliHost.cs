using Spectre.Console;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli;

/// <summary>Runs the command app and turns expected failures into one-line errors with exit code 2, never a stack trace.</summary>
internal static class CliHost
{
    public const int UsageError = 2;

    public static async Task<int> RunAsync(CommandApp app, string[] args)
    {
        // Logs and CI capture output through a pipe, where Spectre would assume 80 columns and fold every table.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        try
        {
            return await app.RunAsync(args);
        }
        catch (CliException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return UsageError;
        }
        catch (InferenceOperator.Models.ModelException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return UsageError;
        }
        catch (CommandParseException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return UsageError;
        }
        catch (CommandRuntimeException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return UsageError;
        }
    }
}

/// <summary>An expected failure whose message tells the user what to fix.</summary>
internal sealed class CliException(string message) : Exception(message);
