namespace InferenceOperator.Planning;

/// <summary>
/// One catalog entry: a device (or, for CPU, one replica's share of vCPUs) with its datasheet figures,
/// price and calibration. Figures are per replica: a GPU replica holds one device, a CPU replica holds
/// <see cref="VCpus"/> vCPUs and <see cref="MemoryGiB"/> of memory.
/// </summary>
public sealed record AcceleratorProfile
{
    /// <summary>Catalog name, for example "nvidia-t4" or "cpu-x86". Matched ordinally.</summary>
    public required string Name { get; init; }

    public string Vendor { get; init; } = "";

    public string Model { get; init; } = "";

    public AcceleratorKind Kind { get; init; } = AcceleratorKind.Gpu;

    /// <summary>Device memory (GPU) or memory per replica (CPU), GiB.</summary>
    public required double MemoryGiB { get; init; }

    /// <summary>Peak memory bandwidth, GB/s (10^9 bytes per second). Must be greater than zero.</summary>
    public required double MemoryBandwidthGBps { get; init; }

    /// <summary>Dense peak TFLOPS (TOPS for integer) per precision. Zero means no native path: the planner then computes at the next wider precision that has one. Fp32 must be greater than zero.</summary>
    public required PrecisionValues PeakTflops { get; init; }

    /// <summary>Board power (GPU) or power of all vCPUs busy (CPU), watts.</summary>
    public required double BoardPowerWatts { get; init; }

    public required double IdlePowerWatts { get; init; }

    /// <summary>USD per replica-hour. Must be greater than zero.</summary>
    public required double PricePerHour { get; init; }

    /// <summary>ONNX Runtime execution provider, for example "CUDAExecutionProvider".</summary>
    public string ExecutionProvider { get; init; } = "CPUExecutionProvider";

    /// <summary>Fraction of peak compute reached in practice, per precision (calibration), in (0, 1]; ignored where the peak is zero (no native path).</summary>
    public PrecisionValues ComputeEfficiency { get; init; } = new(0.5, 0.4, 0.35, 0.35);

    /// <summary>Fraction of peak bandwidth reached in practice (calibration), in (0, 1].</summary>
    public double BandwidthEfficiency { get; init; } = 0.7;

    /// <summary>Fixed cost of one batch (launch, copies, scheduling), milliseconds.</summary>
    public double PerBatchOverheadMs { get; init; } = 0.5;

    /// <summary>vCPUs per replica (CPU profiles; 0 for GPUs).</summary>
    public int VCpus { get; init; }
}
