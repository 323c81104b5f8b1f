using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InferenceOperator.Cli.Local;

/// <summary>Starting, finding and stopping the serving engine as a detached local process.</summary>
internal static class LocalProcess
{
    /// <summary>Starts `inferctl serve --config CONFIG` detached, its output appended to <paramref name="logPath"/>; returns its PID.</summary>
    public static int StartServer(string configPath, string logPath)
    {
        var (program, prefix) = SelfCommand();
        // sh execs into the server, so the PID we record is the server's, and the log redirection happens in the child.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$INFERCTL_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add(program);
        foreach (var argument in prefix)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configPath);
        start.Environment["INFERCTL_LOG"] = logPath;
        using var process = Process.Start(start) ?? throw new CliException("could not start the serving engine process");
        return process.Id;
    }

    /// <summary>True when <paramref name="pid"/> is alive and is the server started with <paramref name="configPath"/> (PIDs get reused).</summary>
    public static bool IsServer(int pid, string configPath)
    {
        var cmdline = $"/proc/{pid}/cmdline";
        try
        {
            return File.Exists(cmdline) && File.ReadAllText(cmdline).Split('\0').Contains(configPath, StringComparer.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM (the engine drains accepted requests), then SIGKILL after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(int pid, string configPath, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!IsServer(pid, configPath))
        {
            return;
        }

        using (var signal = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await (signal?.WaitForExitAsync(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
        }

        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && IsServer(pid, configPath))
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        if (IsServer(pid, configPath))
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>How to run this same inferctl again: its apphost, or `dotnet inferctl.dll`.</summary>
    private static (string Program, string[] Prefix) SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new CliException("cannot tell which program is running");
        var assembly = typeof(LocalProcess).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [assembly]) : (process, []);
    }
}
