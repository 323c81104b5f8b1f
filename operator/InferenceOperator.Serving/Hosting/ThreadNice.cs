using System.Globalization;
using System.Runtime.InteropServices;

namespace InferenceOperator.Serving.Hosting;

/// <summary>
/// Linux per-thread nice values. Raising a thread's nice needs no privilege (lowering it again does), and a thread
/// created by a niced thread inherits its nice, so only threads that never start others should be niced.
/// </summary>
internal static partial class ThreadNice
{
    private const int PriorityProcess = 0;

    /// <summary>Sets the calling thread's nice value; false where that is not supported (not Linux) or refused.</summary>
    public static bool TrySetCurrent(int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return setpriority(PriorityProcess, gettid(), nice) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a C library without gettid
        }
    }

    /// <summary>The calling thread's nice value from /proc (field 19 of its stat line); null where unknown.</summary>
    public static int? Current()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/thread-self/stat");
            // The command name (field 2) is parenthesised and may hold spaces: count fields after its closing ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[19 - 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}
