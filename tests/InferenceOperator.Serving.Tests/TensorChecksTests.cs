using System.Runtime.InteropServices;
using CsCheck;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Tests;

/// <summary>The vectorised NaN/infinity check finds the same first element as a plain loop, at any length and position.</summary>
public sealed class TensorChecksTests
{
    private static readonly double[] NotFinite = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    [Fact]
    public void Should_FindTheFirstNonFiniteElement_AsAPlainLoopWould()
    {
        var values = Gen.Double[-1e6, 1e6].Array[0, 300];
        Gen.Select(values, Gen.Int[-1, 299], Gen.Int[0, 2], Gen.Int[0, 2]).Sample((array, position, kind, type) =>
        {
            if (position >= 0 && position < array.Length)
            {
                array[position] = NotFinite[kind];
            }

            var (datatype, bytes, expected) = type switch
            {
                0 => (TensorDataType.Fp32, MemoryMarshal.AsBytes(array.Select(v => (float)v).ToArray().AsSpan()).ToArray(), Array.FindIndex(array, v => !float.IsFinite((float)v))),
                1 => (TensorDataType.Fp64, MemoryMarshal.AsBytes(array.AsSpan()).ToArray(), Array.FindIndex(array, v => !double.IsFinite(v))),
                _ => (TensorDataType.Fp16, MemoryMarshal.AsBytes(array.Select(v => (Half)v).ToArray().AsSpan()).ToArray(), Array.FindIndex(array, v => !Half.IsFinite((Half)v))),
            };
            return TensorChecks.FirstNonFinite(datatype, bytes) == expected;
        }, iter: 3_000);
    }

    [Fact]
    public void Should_IgnoreIntegerData()
    {
        byte[] allOnes = [0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Equal(-1, TensorChecks.FirstNonFinite(TensorDataType.Int32, allOnes));
        Assert.Equal(0, TensorChecks.FirstNonFinite(TensorDataType.Fp32, allOnes));
    }
}
