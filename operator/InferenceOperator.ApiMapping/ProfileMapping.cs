using Plan = InferenceOperator.Planning;

namespace InferenceOperator.ApiMapping;

/// <summary>The model profile (status.modelProfile or spec.model.profile hints) as the planner reads it.</summary>
public static class ProfileMapping
{
    public static Plan.ModelProfile ToPlanning(this Api.ModelProfile profile, string name = "") => new()
    {
        Name = name,
        Parameters = profile.Parameters,
        FlopsPerInference = profile.FlopsPerInference,
        ActivationBytesPerItem = profile.ActivationBytesPerItem ?? 0,
        WeightBytes = profile.WeightBytes is { } bytes
            ? new Plan.PrecisionValues(bytes.Fp32 ?? 0, bytes.Fp16 ?? 0, bytes.Int8 ?? 0, bytes.Int4 ?? 0)
            : null,
        SequenceLength = profile.SequenceLength,
        Measurements = (profile.Precisions ?? []).Select(Measurement).ToList(),
    };

    private static Plan.PrecisionMeasurement Measurement(Api.PrecisionProfile measured) => new()
    {
        Precision = measured.Precision.ToPlanning(),
        Quality = measured.CosineMean is { } cosine
            ? new Plan.QualityMeasurement { CosineMean = cosine, CosineMin = measured.CosineMin, Top1Agreement = measured.Top1Agreement }
            : null,
        Cpu = measured.ThroughputBatch1 is { } batch1 and > 0
            ? new Plan.CpuThroughputMeasurement
            {
                InferencesPerSecondBatch1 = batch1,
                InferencesPerSecondBatch8 = measured.ThroughputBatch8 ?? 0,
                P50LatencyMsBatch1 = measured.LatencyP50Batch1Ms ?? 0,
                VCpus = measured.VCpus ?? 1,
            }
            : null,
    };
}
