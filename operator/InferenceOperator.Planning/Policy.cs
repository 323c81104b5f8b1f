namespace InferenceOperator.Planning;

/// <summary>The platform's rules: objective, budgets, quality gate, allowed choices and the energy/carbon context.</summary>
public sealed record Policy
{
    public Objective Objective { get; init; } = Objective.Cost;

    /// <summary>Weights for <see cref="Objective.Balanced"/>.</summary>
    public ObjectiveWeights Weights { get; init; } = new();

    public Budgets Budgets { get; init; } = new();

    public QualityThresholds Quality { get; init; } = new();

    /// <summary>Precisions the planner may choose; null means all four, an empty list allows nothing.</summary>
    public IReadOnlyList<Precision>? AllowedPrecisions { get; init; }

    /// <summary>Catalog names the planner may choose; null or empty means all.</summary>
    public IReadOnlyList<string>? AllowedAccelerators { get; init; }

    /// <summary>Grid intensity, gCO2e per kWh.</summary>
    public double CarbonIntensityGramsPerKwh { get; init; } = 400;

    /// <summary>USD per kWh added to the device price (zero when the price already includes power, as cloud prices do).</summary>
    public double ElectricityPricePerKwh { get; init; }

    /// <summary>Spare capacity kept above the peak rate, and above the memory need, in percent.</summary>
    public double HeadroomPercent { get; init; } = 20;

    /// <summary>The naive choice savings are measured against (at fp32, batch 1, same SLO).</summary>
    public string BaselineAccelerator { get; init; } = "nvidia-h100";

    /// <summary>Admit precisions with no accuracy measurement (fp32 is the reference and always counts as measured).</summary>
    public bool AllowUnmeasuredPrecisions { get; init; }
}

/// <summary>Weights of the balanced objective; each term is the candidate's figure divided by the best feasible figure.</summary>
public sealed record ObjectiveWeights
{
    public double Cost { get; init; } = 1;

    public double Energy { get; init; } = 1;

    public double Carbon { get; init; } = 1;

    public double Latency { get; init; } = 1;
}

/// <summary>Hard ceilings; null means no limit.</summary>
public sealed record Budgets
{
    /// <summary>USD per hour for all replicas.</summary>
    public double? MaxCostPerHour { get; init; }

    /// <summary>Average watts of all replicas at the peak rate.</summary>
    public double? MaxPowerWatts { get; init; }
}

/// <summary>Accuracy gate against the fp32 reference; null means no threshold.</summary>
public sealed record QualityThresholds
{
    /// <summary>Minimum mean cosine similarity with fp32 outputs.</summary>
    public double? MinCosineSimilarity { get; init; } = 0.99;

    /// <summary>Maximum fraction of top-1 disagreement with fp32; applied where top-1 agreement was measured.</summary>
    public double? MaxTop1Disagreement { get; init; }
}
