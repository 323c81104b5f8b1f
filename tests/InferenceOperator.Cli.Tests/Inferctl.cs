using System.Diagnostics;

namespace InferenceOperator.Cli.Tests;

/// <summary>Runs the built inferctl as a user would, and returns its exit code and everything it printed.</summary>
internal static class Inferctl
{
    public static (int Code, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "inferctl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        // Both streams at once: a command that fills one pipe while the other is read would never finish.
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
