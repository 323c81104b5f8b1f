using System.Globalization;

namespace InferenceOperator.Planning;

/// <summary>Invariant-culture number formatting for reasons and explanations.</summary>
internal static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Name(Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Fp16 => "fp16",
        Precision.Int8 => "int8",
        Precision.Int4 => "int4",
        _ => "unknown",
    };

    public static string Name(Objective objective) => objective switch
    {
        Objective.Cost => "cost",
        Objective.Energy => "energy",
        Objective.Carbon => "carbon",
        Objective.Latency => "latency",
        _ => "balanced score",
    };

    /// <summary>Milliseconds: "61", "4.2", "0.35".</summary>
    public static string Ms(double value) => Abs(value) switch
    {
        >= 10 => value.ToString("N0", Inv),
        >= 1 => Rounded(value, 1),
        _ => Rounded(value, 2),
    };

    /// <summary>Dollars with cents, "$7.00"; tiny amounts keep four decimals, "$0.0042".</summary>
    public static string Usd(double value) => Abs(value) >= 0.01 || value == 0
        ? "$" + value.ToString("N2", Inv)
        : "$" + value.ToString("F4", Inv);

    /// <summary>Whole dollars with separators, "$4,854".</summary>
    public static string UsdWhole(double value) => "$" + value.ToString("N0", Inv);

    /// <summary>A general figure with three significant digits and no exponent: "1,400", "61.4", "0.977", "0.00123".</summary>
    public static string Num(double value) => Abs(value) switch
    {
        >= 100 => value.ToString("N0", Inv),
        >= 10 => Rounded(value, 1),
        >= 1 => Rounded(value, 2),
        0 => "0",
        >= 0.001 => Rounded(value, 3),
        _ => value.ToString("0.######", Inv),
    };

    /// <summary>Rounded half away from zero to at most <paramref name="decimals"/> places, trailing zeros dropped (standard formats are much cheaper than custom ones).</summary>
    private static string Rounded(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero).ToString(Inv);

    /// <summary>A similarity or fraction with up to five decimals: "0.977", "0.99".</summary>
    public static string Ratio(double value) => value.ToString("0.0####", Inv);

    public static string Int(long value) => value.ToString("#,0", Inv);

    private static double Abs(double value) => Math.Abs(value);
}
