using InferenceOperator.Api;
using k8s.Models;
using Plan = InferenceOperator.Planning;

namespace InferenceOperator.ApiMapping;

/// <summary>AcceleratorProfile objects to planner catalog entries, and the shipped default catalog as objects.</summary>
public static class CatalogMapping
{
    public static Plan.AcceleratorProfile ToPlanning(this AcceleratorProfile profile)
    {
        var spec = profile.Spec;
        var isCpu = spec.ExecutionProvider == ExecutionProvider.Cpu;
        var entry = new Plan.AcceleratorProfile
        {
            Name = profile.Metadata.Name,
            Vendor = spec.Vendor,
            Model = spec.Model,
            Kind = isCpu ? Plan.AcceleratorKind.Cpu : Plan.AcceleratorKind.Gpu,
            MemoryGiB = isCpu && spec.Cpu is { } replica ? replica.MemoryGiB : spec.MemoryGiB,
            MemoryBandwidthGBps = spec.MemoryBandwidthGBps,
            PeakTflops = Values(spec.PeakTeraOps, Plan.PrecisionValues.All(0)),
            BoardPowerWatts = spec.BoardPowerWatts,
            IdlePowerWatts = spec.IdlePowerWatts ?? spec.BoardPowerWatts * 0.25,
            PricePerHour = spec.PricePerHour,
            ExecutionProvider = spec.ExecutionProvider.RuntimeName(),
            VCpus = spec.Cpu?.VCpus ?? 0,
        };

        // Calibration figures override the planner's defaults only where the profile states them.
        return entry with
        {
            ComputeEfficiency = Values(spec.Efficiency, entry.ComputeEfficiency),
            BandwidthEfficiency = spec.BandwidthEfficiency ?? entry.BandwidthEfficiency,
            PerBatchOverheadMs = spec.BatchOverheadMs ?? entry.PerBatchOverheadMs,
        };
    }

    /// <summary>The planner's default catalog as AcceleratorProfile objects, with the scheduling each device needs.</summary>
    public static IReadOnlyList<AcceleratorProfile> DefaultCatalog() =>
        Plan.DefaultCatalog.Create().Select(ToApi).ToList();

    public static AcceleratorProfile ToApi(Plan.AcceleratorProfile entry)
    {
        var isCpu = entry.Kind == Plan.AcceleratorKind.Cpu;
        var isAmd = entry.Vendor.Equals("AMD", StringComparison.OrdinalIgnoreCase);
        var resource = isCpu ? null : isAmd ? "amd.com/gpu" : "nvidia.com/gpu";
        return new AcceleratorProfile
        {
            Metadata = new V1ObjectMeta
            {
                Name = entry.Name,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "inference-operator" },
                Annotations = new Dictionary<string, string>
                {
                    ["inferenceoperator.io/price-note"] = "Illustrative on-demand list price (USD, late 2025): override pricePerHour with what this cluster pays.",
                },
            },
            Spec = new AcceleratorProfileSpec
            {
                Vendor = entry.Vendor,
                Model = entry.Model,
                MemoryGiB = entry.MemoryGiB,
                MemoryBandwidthGBps = entry.MemoryBandwidthGBps,
                PeakTeraOps = Figures(entry.PeakTflops),
                Efficiency = Figures(entry.ComputeEfficiency),
                BandwidthEfficiency = entry.BandwidthEfficiency,
                BatchOverheadMs = entry.PerBatchOverheadMs,
                BoardPowerWatts = entry.BoardPowerWatts,
                IdlePowerWatts = entry.IdlePowerWatts,
                PricePerHour = entry.PricePerHour,
                ResourceName = resource,
                ExecutionProvider = isAmd ? ExecutionProvider.ROCm : PrecisionMapping.FromRuntimeName(entry.ExecutionProvider),
                NodeSelector = isCpu ? null
                    : isAmd ? new Dictionary<string, string> { ["amd.com/gpu.product-name"] = entry.Model }
                    : new Dictionary<string, string> { ["nvidia.com/gpu.product"] = entry.Model },
                Tolerations = resource is null ? null : [new V1Toleration { Key = resource, OperatorProperty = "Exists", Effect = "NoSchedule" }],
                Cpu = isCpu ? new CpuReplica { VCpus = entry.VCpus, MemoryGiB = entry.MemoryGiB } : null,
            },
        };
    }

    private static Plan.PrecisionValues Values(PrecisionFigures? figures, Plan.PrecisionValues fallback) => figures is null
        ? fallback
        : new Plan.PrecisionValues(figures.Fp32 ?? fallback.Fp32, figures.Fp16 ?? fallback.Fp16, figures.Int8 ?? fallback.Int8, figures.Int4 ?? fallback.Int4);

    // Zero means "no native path": omitted rather than written as 0 so the catalog reads like the datasheet.
    private static PrecisionFigures Figures(Plan.PrecisionValues values) => new()
    {
        Fp32 = values.Fp32 > 0 ? values.Fp32 : null,
        Fp16 = values.Fp16 > 0 ? values.Fp16 : null,
        Int8 = values.Int8 > 0 ? values.Int8 : null,
        Int4 = values.Int4 > 0 ? values.Int4 : null,
    };
}
