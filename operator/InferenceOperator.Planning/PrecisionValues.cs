namespace InferenceOperator.Planning;

/// <summary>One number per precision (TFLOPS, efficiency factors, bytes). Zero means "absent" where a field says so.</summary>
public sealed record PrecisionValues(double Fp32, double Fp16, double Int8, double Int4)
{
    /// <summary>All four precisions set to the same value.</summary>
    public static PrecisionValues All(double value) => new(value, value, value, value);

    /// <summary>The value for <paramref name="precision"/>.</summary>
    public double For(Precision precision) => precision switch
    {
        Precision.Fp32 => Fp32,
        Precision.Fp16 => Fp16,
        Precision.Int8 => Int8,
        Precision.Int4 => Int4,
        _ => 0,
    };
}
