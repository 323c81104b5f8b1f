using InferenceOperator.Api;
using InferenceOperator.Reports.Traffic;
using k8s.Models;

namespace InferenceOperator.Reports.Tests;

/// <summary>
/// The hand-computed fixture: a catalog of three accelerators, two policies, three services with known traffic over 7 days.
/// Expected figures are worked out by hand in <see cref="ArithmeticTests"/>.
/// </summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset End = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Week = TimeSpan.FromDays(7); // 168 h

    /// <summary>gpu-small $1.00/h (100 W board, 20 W idle), gpu-big $4.00/h (400 W, 100 W idle), cpu-4 $0.16/h (30 W, 7.5 W idle).</summary>
    public static List<AcceleratorProfile> Catalog() =>
    [
        Gpu("gpu-small", memoryGiB: 16, bandwidthGBps: 300, fp32: 10, fp16: 40, int8: 80, boardWatts: 100, idleWatts: 20, price: 1.00),
        Gpu("gpu-big", memoryGiB: 80, bandwidthGBps: 1000, fp32: 10, fp16: 100, int8: 200, boardWatts: 400, idleWatts: 100, price: 4.00),
        new()
        {
            Metadata = new V1ObjectMeta { Name = "cpu-4" },
            Spec = new AcceleratorProfileSpec
            {
                Vendor = "x86", Model = "4 vCPU", MemoryGiB = 16, MemoryBandwidthGBps = 20,
                PeakTeraOps = new PrecisionFigures { Fp32 = 0.2, Int8 = 0.8 },
                Efficiency = new PrecisionFigures { Fp32 = 0.5, Fp16 = 0.5, Int8 = 0.5, Int4 = 0.5 },
                BandwidthEfficiency = 1, BatchOverheadMs = 0.1,
                BoardPowerWatts = 30, IdlePowerWatts = 7.5, PricePerHour = 0.16,
                ExecutionProvider = ExecutionProvider.Cpu, Cpu = new CpuReplica { VCpus = 4, MemoryGiB = 16 },
            },
        },
    ];

    /// <summary>team-a/cheap: cost objective, fp32/fp16 only, 0.10 $/kWh, 400 g/kWh. team-b/green: energy objective, 0.20 $/kWh, 100 g/kWh.</summary>
    public static List<InferencePolicy> Policies() =>
    [
        Policy("team-a", "cheap", new InferencePolicySpec
        {
            Objective = Objective.Cost, AllowedPrecisions = [Precision.Fp32, Precision.Fp16],
            ElectricityPricePerKwh = 0.10, CarbonIntensityGramsPerKwh = 400, BaselineAccelerator = "gpu-big",
        }),
        Policy("team-b", "green", new InferencePolicySpec
        {
            Objective = Objective.Energy, ElectricityPricePerKwh = 0.20, CarbonIntensityGramsPerKwh = 100, BaselineAccelerator = "gpu-big",
        }),
    ];

    public static List<InferenceService> Services() =>
    [
        Service("team-a", "classifier", "cheap", rps: 1500, p95: 50, Plan("gpu-small", Precision.Fp16, replicas: 2, watts: 120), running: 2,
            Profile((Precision.Fp16, 0.9999), (Precision.Int8, 0.995))),
        Service("team-a", "embedder", "cheap", rps: 100, p95: 200, Plan("cpu-4", Precision.Fp32, replicas: 3, watts: 60), running: 3, Profile()),
        Service("team-b", "detector", "green", rps: 800, p95: 50, Plan("gpu-big", Precision.Fp16, replicas: 1, watts: 250), running: 1,
            Profile((Precision.Fp16, 0.9999))),
    ];

    /// <summary>classifier: 50 rps for 7 days = 30,240,000 inferences, busy 0.5; embedder: zero traffic, busy 0; detector: 1,000,000, no busy series.</summary>
    public static TrafficSnapshot Traffic() => new()
    {
        Available = true,
        Services = new Dictionary<ServiceKey, ServiceTraffic>
        {
            [new("team-a", "classifier")] = new(30_240_000, 0.5),
            [new("team-a", "embedder")] = new(0, 0.0),
            [new("team-b", "detector")] = new(1_000_000, null),
        },
    };

    public static ReportRequest Request(IReadOnlyList<InferenceService>? services = null) => new()
    {
        Services = services ?? Services(),
        Policies = Policies(),
        Catalog = Catalog(),
        End = End,
        Window = Week,
    };

    public static FinOpsReport Report() => new ReportBuilder().Build(Request(), Traffic());

    public static PlanStatus Plan(string accelerator, Precision precision, int replicas, double watts) => new()
    {
        Accelerator = accelerator, Precision = precision, MaxBatchSize = 8, Replicas = replicas, PowerWatts = watts,
    };

    public static InferenceService Service(string ns, string name, string? policy, double rps, double p95, PlanStatus? plan, int? running, ModelProfile? profile) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new InferenceServiceSpec
        {
            Model = new ModelSpec { Uri = "https://models.example/" + name + ".onnx", Profile = profile },
            Slo = new ServiceLevelObjective { ThroughputRps = rps, LatencyP95Ms = p95 },
            PolicyRef = policy is null ? null : new PolicyReference { Name = policy },
        },
        Status = new InferenceServiceStatus { Plan = plan, Replicas = running },
    };

    /// <summary>1M parameters (4 MB at fp32), 1 GFLOP per inference, the given precisions measured against fp32.</summary>
    public static ModelProfile Profile(params (Precision Precision, double Cosine)[] measured) => new()
    {
        Parameters = 1_000_000,
        FlopsPerInference = 1e9,
        Precisions = measured.Select(m => new PrecisionProfile { Precision = m.Precision, CosineMean = m.Cosine }).ToList(),
    };

    public static AcceleratorProfile Gpu(string name, double memoryGiB, double bandwidthGBps, double fp32, double fp16, double int8, double boardWatts, double idleWatts, double price) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new AcceleratorProfileSpec
        {
            Vendor = "NVIDIA", Model = name, MemoryGiB = memoryGiB, MemoryBandwidthGBps = bandwidthGBps,
            PeakTeraOps = new PrecisionFigures { Fp32 = fp32, Fp16 = fp16, Int8 = int8 },
            Efficiency = new PrecisionFigures { Fp32 = 0.5, Fp16 = 0.5, Int8 = 0.5, Int4 = 0.5 },
            BandwidthEfficiency = 1, BatchOverheadMs = 0.8,
            BoardPowerWatts = boardWatts, IdlePowerWatts = idleWatts, PricePerHour = price,
            ResourceName = "nvidia.com/gpu", ExecutionProvider = ExecutionProvider.Cuda,
        },
    };

    private static InferencePolicy Policy(string ns, string name, InferencePolicySpec spec) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = spec,
    };
}
