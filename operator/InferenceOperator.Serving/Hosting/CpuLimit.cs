using System.Globalization;

namespace InferenceOperator.Serving.Hosting;

/// <summary>The CPUs this container may use: its cgroup CPU quota (v2 cpu.max or v1 cfs quota), else the processor count.</summary>
internal static class CpuLimit
{
    public static int Detect(string cgroupRoot = "/sys/fs/cgroup")
    {
        var quota = ReadV2(Path.Combine(cgroupRoot, "cpu.max"))
            ?? ReadV1(Path.Combine(cgroupRoot, "cpu", "cpu.cfs_quota_us"), Path.Combine(cgroupRoot, "cpu", "cpu.cfs_period_us"));
        var cpus = Environment.ProcessorCount;
        return quota is { } q ? Math.Clamp((int)Math.Ceiling(q), 1, cpus) : cpus;
    }

    /// <summary>cpu.max holds "max 100000" (no limit) or "&lt;quota&gt; &lt;period&gt;".</summary>
    internal static double? ParseCpuMax(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0] == "max")
        {
            return null;
        }

        return double.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var quota)
            && double.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var period)
            && quota > 0 && period > 0
            ? quota / period
            : null;
    }

    private static double? ReadV2(string path) => File.Exists(path) ? ParseCpuMax(File.ReadAllText(path)) : null;

    private static double? ReadV1(string quotaPath, string periodPath)
    {
        if (!File.Exists(quotaPath) || !File.Exists(periodPath))
        {
            return null;
        }

        return long.TryParse(File.ReadAllText(quotaPath).Trim(), CultureInfo.InvariantCulture, out var quota)
            && long.TryParse(File.ReadAllText(periodPath).Trim(), CultureInfo.InvariantCulture, out var period)
            && quota > 0 && period > 0
            ? (double)quota / period
            : null;
    }
}
