using InferenceOperator.Planning;

namespace InferenceOperator.Cli.Local;

/// <summary>The hardware local mode can offer: this machine's CPU, as a cpu-x86 profile sized to its vCPUs.</summary>
internal static class LocalMachine
{
    public static int VCpus => Math.Max(1, Environment.ProcessorCount);

    public static AcceleratorProfile Cpu() => DefaultCatalog.CpuX86(VCpus);

    public static string Describe() => $"{Cpu().Name} ({VCpus} vCPUs)";
}
