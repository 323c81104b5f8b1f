namespace InferenceOperator.Planning;

/// <summary>What the planner knows about the model: size, work per inference and per-precision measurements.</summary>
public sealed record ModelProfile
{
    public string Name { get; init; } = "";

    /// <summary>Number of parameters. Used to derive weight bytes where <see cref="WeightBytes"/> is absent.</summary>
    public required double Parameters { get; init; }

    /// <summary>Floating-point (or integer) operations for one inference of one item.</summary>
    public required double FlopsPerInference { get; init; }

    /// <summary>Weight bytes per precision; zero (or the whole record null) means derive from parameters x 4, 2, 1, 0.5 bytes.</summary>
    public PrecisionValues? WeightBytes { get; init; }

    /// <summary>Activation and workspace bytes per item in a batch.</summary>
    public double ActivationBytesPerItem { get; init; }

    /// <summary>Sequence length the FLOP count was taken at (informational), if the model is a sequence model.</summary>
    public int? SequenceLength { get; init; }

    /// <summary>Measured accuracy and CPU throughput, at most one entry per precision.</summary>
    public IReadOnlyList<PrecisionMeasurement> Measurements { get; init; } = [];

    /// <summary>The measurement for <paramref name="precision"/>, or null.</summary>
    public PrecisionMeasurement? MeasurementFor(Precision precision)
    {
        var measurements = Measurements;
        for (var i = 0; measurements is not null && i < measurements.Count; i++)
        {
            if (measurements[i] is { } m && m.Precision == precision)
            {
                return m;
            }
        }

        return null;
    }

    /// <summary>Weight bytes at <paramref name="precision"/>: the measured figure if present, else parameters x bytes per parameter.</summary>
    public double WeightBytesFor(Precision precision)
    {
        var given = WeightBytes?.For(precision) ?? 0;
        return given > 0 ? given : Parameters * BytesPerParameter(precision);
    }

    /// <summary>4, 2, 1 and 0.5 bytes per parameter.</summary>
    public static double BytesPerParameter(Precision precision) => precision switch
    {
        Precision.Fp32 => 4,
        Precision.Fp16 => 2,
        Precision.Int8 => 1,
        Precision.Int4 => 0.5,
        _ => 4,
    };
}

/// <summary>What was measured for the model at one precision.</summary>
public sealed record PrecisionMeasurement
{
    public required Precision Precision { get; init; }

    /// <summary>Accuracy against the fp32 reference, if measured.</summary>
    public QualityMeasurement? Quality { get; init; }

    /// <summary>Throughput measured on a CPU, if measured.</summary>
    public CpuThroughputMeasurement? Cpu { get; init; }
}

/// <summary>Agreement of a precision's outputs with fp32 on a calibration set.</summary>
public sealed record QualityMeasurement
{
    public required double CosineMean { get; init; }

    public double? CosineMin { get; init; }

    /// <summary>Fraction of inputs whose top-1 class agrees with fp32 (classifiers only).</summary>
    public double? Top1Agreement { get; init; }
}

/// <summary>Throughput of the serving runtime on a CPU node, used instead of the roofline for CPU profiles.</summary>
public sealed record CpuThroughputMeasurement
{
    /// <summary>Inferences per second at batch 1. Must be greater than zero.</summary>
    public required double InferencesPerSecondBatch1 { get; init; }

    /// <summary>Inferences per second at batch 8; zero means not measured (batching then assumed to give no gain).</summary>
    public double InferencesPerSecondBatch8 { get; init; }

    /// <summary>Median latency at batch 1, ms; zero means not measured.</summary>
    public double P50LatencyMsBatch1 { get; init; }

    /// <summary>vCPUs the measurement ran on; zero means the same as the CPU profile.</summary>
    public int VCpus { get; init; }
}
