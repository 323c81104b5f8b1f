using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;
using k8s.Models;

namespace InferenceOperator.Api;

/// <summary>A kind of hardware serving pods can run on, with its speed, power and price: the planner's catalog.</summary>
[KubernetesEntity(Group = Groups.Name, ApiVersion = Groups.Version, Kind = "AcceleratorProfile", PluralName = "acceleratorprofiles")]
[Resource("acceleratorprofile", namespaced: false, ShortNames = ["accel"], Categories = ["inference"])]
[PrinterColumn("Vendor", "string", ".spec.vendor", Order = 1)]
[PrinterColumn("Model", "string", ".spec.model", Order = 2)]
[PrinterColumn("Memory GiB", "number", ".spec.memoryGiB", Order = 3)]
[PrinterColumn("$/h", "number", ".spec.pricePerHour", Order = 4)]
[PrinterColumn("Provider", "string", ".spec.executionProvider", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 6)]
public sealed class AcceleratorProfile() : InferenceResource(KindName)
{
    public const string KindName = "AcceleratorProfile";

    /// <summary>Datasheet figures, price and scheduling of the device.</summary>
    [JsonPropertyName("spec")]
    [RequiredField]
    public AcceleratorProfileSpec Spec { get; set; } = new();
}

/// <summary>Figures of one device (or of one CPU replica) the planner estimates from.</summary>
[ValidationRule("self.executionProvider != 'CPU' || has(self.cpu)", "CPU profiles need cpu.vCpus and cpu.memoryGiB: they size each replica")]
[ValidationRule("self.executionProvider == 'CPU' || has(self.resourceName)", "GPU profiles need resourceName (e.g. nvidia.com/gpu): it is what the pods request")]
[ValidationRule("!has(self.idlePowerWatts) || self.idlePowerWatts <= self.boardPowerWatts", "idlePowerWatts must not exceed boardPowerWatts")]
public sealed class AcceleratorProfileSpec
{
    /// <summary>Manufacturer, e.g. NVIDIA, AMD, Intel.</summary>
    [JsonPropertyName("vendor")]
    [RequiredField]
    public string Vendor { get; set; } = "";

    /// <summary>Device model, e.g. L4.</summary>
    [JsonPropertyName("model")]
    [RequiredField]
    public string Model { get; set; } = "";

    /// <summary>Device memory in GiB (for CPU profiles: memory per replica).</summary>
    [JsonPropertyName("memoryGiB")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double MemoryGiB { get; set; }

    /// <summary>Memory bandwidth in GB/s: what bounds small-batch inference.</summary>
    [JsonPropertyName("memoryBandwidthGBps")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double MemoryBandwidthGBps { get; set; }

    /// <summary>Dense peak per precision in TFLOPS/TOPS (never the sparse figure); absent: no native path for it.</summary>
    [JsonPropertyName("peakTeraOps")]
    [RequiredField]
    public PrecisionFigures PeakTeraOps { get; set; } = new();

    /// <summary>Fraction of peak compute a real model reaches per precision (calibration, 0-1); absent uses the planner's default.</summary>
    [JsonPropertyName("efficiency")]
    public PrecisionFigures? Efficiency { get; set; }

    /// <summary>Fraction of memory bandwidth a real model reaches (calibration); absent uses the planner's default.</summary>
    [JsonPropertyName("bandwidthEfficiency")]
    [Minimum(0, Exclusive = true)]
    [Maximum(1)]
    public double? BandwidthEfficiency { get; set; }

    /// <summary>Fixed cost of one model call (launch, copies), in milliseconds; absent uses the planner's default.</summary>
    [JsonPropertyName("batchOverheadMs")]
    [Minimum(0)]
    [Maximum(1000)]
    public double? BatchOverheadMs { get; set; }

    /// <summary>Power at full load, in watts.</summary>
    [JsonPropertyName("boardPowerWatts")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double BoardPowerWatts { get; set; }

    /// <summary>Power when idle, in watts (default a quarter of board power).</summary>
    [JsonPropertyName("idlePowerWatts")]
    [Minimum(0)]
    public double? IdlePowerWatts { get; set; }

    /// <summary>Price per device-hour (CPU: per replica-hour), in USD. Shipped defaults are illustrative: override them.</summary>
    [JsonPropertyName("pricePerHour")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double PricePerHour { get; set; }

    /// <summary>Extended resource the pods request, e.g. nvidia.com/gpu or amd.com/gpu; absent for CPU.</summary>
    [JsonPropertyName("resourceName")]
    [Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$")]
    public string? ResourceName { get; set; }

    /// <summary>Node labels that select nodes with this device.</summary>
    [JsonPropertyName("nodeSelector")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints of those nodes the pods tolerate.</summary>
    [JsonPropertyName("tolerations")]
    public List<V1Toleration>? Tolerations { get; set; }

    /// <summary>ONNX Runtime execution provider that drives the device.</summary>
    [JsonPropertyName("executionProvider")]
    [RequiredField]
    public ExecutionProvider ExecutionProvider { get; set; }

    /// <summary>Size of one replica on a CPU profile.</summary>
    [JsonPropertyName("cpu")]
    public CpuReplica? Cpu { get; set; }
}

/// <summary>One figure per precision.</summary>
public sealed class PrecisionFigures
{
    /// <summary>32-bit float.</summary>
    [JsonPropertyName("fp32")]
    [Minimum(0)]
    public double? Fp32 { get; set; }

    /// <summary>16-bit float (tensor cores where present).</summary>
    [JsonPropertyName("fp16")]
    [Minimum(0)]
    public double? Fp16 { get; set; }

    /// <summary>8-bit integer.</summary>
    [JsonPropertyName("int8")]
    [Minimum(0)]
    public double? Int8 { get; set; }

    /// <summary>4-bit integer.</summary>
    [JsonPropertyName("int4")]
    [Minimum(0)]
    public double? Int4 { get; set; }
}

/// <summary>Resources of one serving replica on a CPU profile.</summary>
public sealed class CpuReplica
{
    /// <summary>vCPUs per replica (its CPU request and limit).</summary>
    [JsonPropertyName("vCpus")]
    [RequiredField]
    [Minimum(1)]
    [Maximum(256)]
    public int VCpus { get; set; }

    /// <summary>Memory per replica, in GiB.</summary>
    [JsonPropertyName("memoryGiB")]
    [RequiredField]
    [Minimum(0, Exclusive = true)]
    public double MemoryGiB { get; set; }
}
