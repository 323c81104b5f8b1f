namespace InferenceOperator.Api.Tests;

/// <summary>Valid objects that tests break one field at a time.</summary>
internal static class Fixtures
{
    public static InferenceService Service() => new()
    {
        Metadata = new() { Name = "embeddings", NamespaceProperty = "ml" },
        Spec = new InferenceServiceSpec
        {
            Model = new ModelSpec { Uri = "https://models.example.com/minilm.onnx" },
            Slo = new ServiceLevelObjective { LatencyP95Ms = 100, ThroughputRps = 200, MinReplicas = 2 },
            PolicyRef = new PolicyReference { Name = "cost" },
            Batching = new BatchingSpec { MaxBatchSize = 16, MaxQueueDelayMs = 10 },
            Autoscaling = new AutoscalingSpec { Engine = AutoscalingEngine.Hpa, MinReplicas = 2, MaxReplicas = 8, Metric = ScalingMetric.Cpu, Target = 70 },
        },
    };

    public static InferencePolicy Policy() => new()
    {
        Metadata = new() { Name = "cost", NamespaceProperty = "ml" },
        Spec = new InferencePolicySpec
        {
            Objective = Objective.Cost,
            Budgets = new Budgets { MaxCostPerHour = 5 },
            Quality = new QualityGate { MinCosineSimilarity = 0.99 },
            AllowedPrecisions = [Precision.Fp16, Precision.Int8],
        },
    };

    public static AcceleratorProfile Gpu() => new()
    {
        Metadata = new() { Name = "nvidia-l4" },
        Spec = new AcceleratorProfileSpec
        {
            Vendor = "NVIDIA",
            Model = "L4",
            MemoryGiB = 24,
            MemoryBandwidthGBps = 300,
            PeakTeraOps = new PrecisionFigures { Fp32 = 30.3, Fp16 = 121, Int8 = 242 },
            BoardPowerWatts = 72,
            IdlePowerWatts = 16,
            PricePerHour = 0.7,
            ResourceName = "nvidia.com/gpu",
            ExecutionProvider = ExecutionProvider.Cuda,
        },
    };
}
