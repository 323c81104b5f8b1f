namespace InferenceOperator.Planning;

/// <summary>
/// The catalog shipped as a default. Performance figures are dense (no sparsity) datasheet peaks; PRICES ARE
/// ILLUSTRATIVE on-demand cloud list prices (USD per device-hour, late 2025) and every cluster should override
/// them with its own catalog. Idle power is taken as 25% of board power. CPU is priced per vCPU
/// (about 0.04 $/vCPU-hour) and drawn at about 7.5 W per busy vCPU; its real throughput should come from a
/// calibration run (model measurements), the peak figures here only seed the roofline when none exists.
/// </summary>
public static class DefaultCatalog
{
    /// <summary>Illustrative CPU price per vCPU-hour, USD.</summary>
    public const double CpuPricePerVCpuHour = 0.04;

    /// <summary>Illustrative power of one busy vCPU, watts.</summary>
    public const double CpuWattsPerBusyVCpu = 7.5;

    /// <summary>cpu-x86, nvidia-t4, nvidia-l4, nvidia-a10g, nvidia-l40s, nvidia-a100-40gb, nvidia-a100-80gb, nvidia-h100, nvidia-h200, amd-mi300x.</summary>
    public static IReadOnlyList<AcceleratorProfile> Create() =>
    [
        CpuX86(4),
        Gpu("nvidia-t4", "NVIDIA", "Tesla-T4", 16, 320, new(8.1, 65, 130, 260), 70, 0.35),
        Gpu("nvidia-l4", "NVIDIA", "NVIDIA-L4", 24, 300, new(30.3, 121, 242, 0), 72, 0.70),
        Gpu("nvidia-a10g", "NVIDIA", "NVIDIA-A10G", 24, 600, new(31.2, 125, 250, 500), 150, 1.00),
        Gpu("nvidia-l40s", "NVIDIA", "NVIDIA-L40S", 48, 864, new(91.6, 362, 733, 0), 350, 1.85),
        Gpu("nvidia-a100-40gb", "NVIDIA", "NVIDIA-A100-SXM4-40GB", 40, 1555, new(19.5, 312, 624, 1248), 400, 3.70),
        Gpu("nvidia-a100-80gb", "NVIDIA", "NVIDIA-A100-SXM4-80GB", 80, 2039, new(19.5, 312, 624, 1248), 400, 4.50),
        Gpu("nvidia-h100", "NVIDIA", "NVIDIA-H100-80GB-HBM3", 80, 3350, new(67, 989, 1979, 0), 700, 7.00),
        Gpu("nvidia-h200", "NVIDIA", "NVIDIA-H200", 141, 4800, new(67, 989, 1979, 0), 700, 9.00),
        Gpu("amd-mi300x", "AMD", "MI300X", 192, 5300, new(163, 1307, 2615, 0), 750, 6.00, "MIGraphXExecutionProvider"),
    ];

    /// <summary>
    /// An x86 CPU replica of <paramref name="vCpus"/> vCPUs: 4 GiB and about 5 GB/s of memory bandwidth per vCPU,
    /// about 50 GFLOPS fp32 (AVX2/AVX-512 FMA) and 200 GOPS int8 (VNNI) per vCPU, no native fp16 or int4.
    /// </summary>
    public static AcceleratorProfile CpuX86(int vCpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vCpus, 1);
        return new AcceleratorProfile
        {
            Name = "cpu-x86",
            Vendor = "x86",
            Model = vCpus + " vCPU",
            Kind = AcceleratorKind.Cpu,
            VCpus = vCpus,
            MemoryGiB = 4.0 * vCpus,
            MemoryBandwidthGBps = 5.0 * vCpus,
            PeakTflops = new(0.05 * vCpus, 0, 0.2 * vCpus, 0),
            BoardPowerWatts = CpuWattsPerBusyVCpu * vCpus,
            IdlePowerWatts = CpuWattsPerBusyVCpu * vCpus * 0.25,
            PricePerHour = CpuPricePerVCpuHour * vCpus,
            ExecutionProvider = "CPUExecutionProvider",
            PerBatchOverheadMs = 0.1,
        };
    }

    private static AcceleratorProfile Gpu(
        string name, string vendor, string model, double memoryGiB, double bandwidthGBps, PrecisionValues peak, double boardWatts, double price,
        string executionProvider = "CUDAExecutionProvider") => new()
        {
            Name = name,
            Vendor = vendor,
            Model = model,
            Kind = AcceleratorKind.Gpu,
            MemoryGiB = memoryGiB,
            MemoryBandwidthGBps = bandwidthGBps,
            PeakTflops = peak,
            BoardPowerWatts = boardWatts,
            IdlePowerWatts = boardWatts * 0.25,
            PricePerHour = price,
            ExecutionProvider = executionProvider,
            PerBatchOverheadMs = 0.5,
        };
}
