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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}
