using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Tests;

/// <summary>
/// JSON tensor data goes through a fast scanner for flat number arrays. Whatever it accepts must decode exactly as the
/// general path does (the correctly rounded double, then cast to the datatype), and whatever is not valid must still
/// end as a 400 naming the input — never another exception.
/// </summary>
public sealed class JsonNumberTests
{
    private static readonly string[] Edges = ["0", "-0", "1.0", "1e2", "99999999999999999999", "-9223372036854775808", "9223372036854775807"];

    private static readonly string[] Formats = ["R", "G17", "G9", "E3", "E10", "F2", "F8", "G"];

    private static readonly Gen<double> Doubles = Gen.OneOf(
        Gen.Double[-1, 1],
        Gen.Double[-1e6, 1e6],
        Gen.Select(Gen.Int[-40, 40], Gen.Double[-10, 10], (e, m) => m * Math.Pow(10, e)),
        Gen.Int.Select(i => (double)i),
        Gen.Const(0.0),
        Gen.Const(-0.0));

    /// <summary>Numbers as other clients print them (shortest round trip, fixed, scientific).</summary>
    private static readonly Gen<string> FormattedText = Gen.Select(Doubles, Gen.Int[0, Formats.Length - 1])
        .Select((value, format) => value.ToString(Formats[format], CultureInfo.InvariantCulture))
        .Where(text => !text.Contains('∞', StringComparison.Ordinal) && !text.Contains("NaN", StringComparison.Ordinal));

    /// <summary>Valid JSON numbers with up to 30 integer and 30 fraction digits: long mantissas, leading and trailing zeros.</summary>
    private static readonly Gen<string> DigitText = Gen.Select(
            Gen.Bool,
            Gen.Char['0', '9'].Array[1, 30],
            Gen.Char['0', '9'].Array[0, 30],
            Gen.Int[-340, 340],
            Gen.Int[0, 2])
        .Select((negative, whole, fraction, exponent, form) =>
        {
            var integer = new string(whole).TrimStart('0');
            var text = (negative ? "-" : "") + (integer.Length == 0 ? "0" : integer) + (fraction.Length > 0 ? "." + new string(fraction) : "");
            return form switch { 0 => text, 1 => text + "e" + exponent.ToString(CultureInfo.InvariantCulture), _ => text + "E+" + Math.Abs(exponent % 25).ToString(CultureInfo.InvariantCulture) };
        });

    private static readonly Gen<string> NumberText = Gen.OneOf(FormattedText, DigitText);

    private static readonly Gen<string> Whitespace = Gen.OneOf(Gen.Const(""), Gen.Const(" "), Gen.Const("\n"), Gen.Const(" \t "), Gen.Const("\r\n"));

    [Theory]
    [InlineData("FP32")]
    [InlineData("FP64")]
    [InlineData("FP16")]
    public void Should_DecodeFloatsCorrectlyRounded_When_DataIsAFlatArray(string datatype)
    {
        Gen.Select(NumberText.Array[1, 40], Whitespace).Sample((numbers, space) =>
        {
            var data = "[" + space + string.Join("," + space, numbers) + space + "]";
            var expected = Reference(data, datatype);
            var actual = Decode(data, datatype, numbers.Length);
            if (expected is null)
            {
                return actual is null; // out of range for the datatype: a 400 either way
            }

            return actual is not null && actual.AsSpan().SequenceEqual(expected);
        }, iter: 2_000);
    }

    [Theory]
    [InlineData("INT8")]
    [InlineData("UINT8")]
    [InlineData("INT16")]
    [InlineData("UINT16")]
    [InlineData("INT32")]
    [InlineData("UINT32")]
    [InlineData("INT64")]
    public void Should_DecodeIntegersOrRejectThemAsSystemTextJsonWould_When_DataIsAFlatArray(string datatype)
    {
        var values = Gen.OneOf(Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture)), Gen.Int[-300, 70_000].Select(v => v.ToString(CultureInfo.InvariantCulture)),
            Gen.Int[0, Edges.Length - 1].Select(i => Edges[i]));
        values.Array[1, 20].Sample(numbers =>
        {
            var data = "[" + string.Join(",", numbers) + "]";
            var expected = Reference(data, datatype);
            var actual = Decode(data, datatype, numbers.Length);
            return expected is null ? actual is null : actual is not null && actual.AsSpan().SequenceEqual(expected);
        }, iter: 2_000);
    }

    [Fact]
    public void Should_AnswerWithABadRequest_When_NumberCharactersDoNotFormValidJson()
    {
        // Text made only of number characters passes the header scan untokenised: the data pass must still reject
        // every invalid arrangement (leading zeros, lone signs, doubled commas, bare dots) with a 400.
        var text = Gen.Char["0123456789+-.eE, "].Array[1, 24].Select(chars => new string(chars));
        Gen.Select(text, Gen.Int[1, 6]).Sample((inner, count) =>
        {
            var data = "[" + inner + "]";
            var expected = Reference(data, "FP32");
            try
            {
                var actual = Decode(data, "FP32", count);
                return actual is null
                    ? expected is null || expected.Length != count * 4
                    : expected is not null && actual.AsSpan().SequenceEqual(expected);
            }
            catch (Exception ex) when (ex is not InferenceException)
            {
                return false;
            }
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("[01]", "FP32")]
    [InlineData("[.5]", "FP32")]
    [InlineData("[5.]", "FP32")]
    [InlineData("[+1]", "FP32")]
    [InlineData("[1e]", "FP32")]
    [InlineData("[1,,2]", "FP32")]
    [InlineData("[--1]", "FP32")]
    [InlineData("[1 2]", "FP32")]
    public void Should_RejectMalformedNumbers_With400NamingTheInput(string data, string datatype)
    {
        var error = Assert.Throws<InferenceException>(() => Parse(data, datatype, data.Count(c => c == ',') + 1));
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("input 'x'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1e39]", "FP32", "outside the range of FP32")]
    [InlineData("[70000]", "FP16", "outside the range of FP16")]
    [InlineData("[1.5]", "INT32", "is not an integer")]
    [InlineData("[300]", "UINT8", "outside the range of UINT8")]
    [InlineData("[1,2]", "FP32", "more than the 1 elements")]
    public void Should_ReportTheGeneralPathsMessage_When_TheFastPathDeclines(string data, string datatype, string message)
    {
        var error = Assert.Throws<InferenceException>(() => Parse(data, datatype, 1));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_KeepNegativeZeroAndRoundLongNumbersCorrectly()
    {
        var data = "[-0, 0.10000000149011612, 3.4028234663852886e38, 1e-400, 123456789012345678901234567890, 0.000000000000000000000000001]";
        var values = Decode(data, "FP64", 6)!;
        var doubles = Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(values.AsSpan(i * 8))).ToArray();
        Assert.True(double.IsNegative(doubles[0]) && doubles[0] == 0);
        Assert.Equal(0.10000000149011612, doubles[1]);
        Assert.Equal(3.4028234663852886e38, doubles[2]);
        Assert.Equal(0.0, doubles[3]);
        Assert.Equal(1.2345678901234568e29, doubles[4]);
        Assert.Equal(1e-27, doubles[5]);
    }

    [Theory]
    [InlineData("[1]", "[23922434841128994.000]")]
    [InlineData("[1,1]", "[[239.22434841128994000e14]]")]
    [InlineData("[1]", "[23922434841128994]")]
    public void Should_RoundATieToEven_When_ZerosFollowIt_FlatOrNested(string shape, string data)
    {
        // Exactly halfway between the doubles ...992 and ...996; IEEE 754 picks the even one. System.Text.Json's own
        // TryGetDouble answers ...996 when zeros follow the digits, so nested and flat data once disagreed on it.
        var json = $$"""{"inputs":[{"name":"x","datatype":"FP64","shape":{{shape}},"data":{{data}}}]}""";
        var values = OipJsonReader.Parse(Encoding.UTF8.GetBytes(json), default, allowNonFinite: false).Inputs[0].Data;
        Assert.Equal(23922434841128992d, BinaryPrimitives.ReadDoubleLittleEndian(values.Span));
    }

    [Fact]
    public void Should_ParseTheFlatArrayFastPath_When_CalledDirectly()
    {
        // Guards the fast path itself (the tests above would also pass if it always declined).
        var destination = new byte[12];
        Assert.True(FlatNumberArray.TryParse("[0.5, -2, 1e3]"u8, TensorDataType.Fp32, 3, destination));
        Assert.Equal([0.5f, -2f, 1000f], Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadSingleLittleEndian(destination.AsSpan(i * 4))));
        Assert.False(FlatNumberArray.TryParse("[0.5, [1], 2]"u8, TensorDataType.Fp32, 3, destination));
        Assert.Equal(-1, FlatNumberArray.FindClose("[1, \"a\"]"u8, 0));
        Assert.Equal(5, FlatNumberArray.FindClose("[1, 2] "u8, 0));
    }

    [Fact]
    public void Should_DecodeTheSameValuesInParallel_When_AnArrayIsSplitAcrossThreads()
    {
        // Numbers of every form, whitespace around separators, and a part boundary that may fall anywhere in a number.
        Gen.Select(FormattedText.Array[FlatNumberArray.MinElementsPerPart * 2, (FlatNumberArray.MinElementsPerPart * 3) + 7], Gen.Int[2, 5], Gen.Bool)
            .Sample((numbers, parts, spaced) =>
            {
                var text = Encoding.UTF8.GetBytes("[" + string.Join(spaced ? " , " : ",", numbers) + "]");
                var serial = new byte[numbers.Length * 8];
                var parallel = new byte[numbers.Length * 8];

                Assert.True(FlatNumberArray.TryParse(text, TensorDataType.Fp64, numbers.Length, serial));
                Assert.True(FlatNumberArray.TryParseInParallel(text, TensorDataType.Fp64, numbers.Length, parallel, parts));
                Assert.Equal(serial, parallel);
            }, iter: 20);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void Should_DeclineInParallel_When_TheArrayHoldsAnotherNumberOfElements(int difference)
    {
        var count = FlatNumberArray.MinElementsPerPart * 4;
        var text = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("0.25", count + difference)) + "]");

        Assert.False(FlatNumberArray.TryParseInParallel(text, TensorDataType.Fp32, count, new byte[count * 4], parts: 4));
        Assert.False(FlatNumberArray.TryParseInParallel("[[0.5,1],[2,3]]"u8, TensorDataType.Fp32, 4, new byte[16], parts: 4));
    }

    [Fact]
    public void Should_AnswerWithTheGeneralPathsMessage_When_AParallelPartMeetsSomethingItCannotParse()
    {
        var count = FlatNumberArray.MinElementsPerPart * 4;
        var numbers = Enumerable.Repeat("0.25", count).ToArray();
        numbers[count - 10] = "\"x\"";
        var json = $$"""{"inputs":[{"name":"x","datatype":"FP32","shape":[{{count}}],"data":[{{string.Join(",", numbers)}}]}]}""";

        var error = Assert.Throws<InferenceException>(() => OipJsonReader.ParseOwningBinary(Encoding.UTF8.GetBytes(json), default, allowNonFinite: false, parallelism: 4));

        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("input 'x'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// What the general path would produce: the correctly rounded double (or System.Text.Json's integer), cast to the
    /// datatype; null when invalid. Doubles come from double.Parse, not JsonElement.TryGetDouble, which rounds a tie up
    /// when zeros follow it (this property found "239.22434841128994000e14").
    /// </summary>
    private static byte[]? Reference(string data, string datatype)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var output = new List<byte>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Number)
                {
                    return null;
                }

                var bytes = Convert(element, datatype);
                if (bytes is null)
                {
                    return null;
                }

                output.AddRange(bytes);
            }

            return [.. output];
        }
    }

    private static byte[]? Convert(JsonElement element, string datatype)
    {
        if (datatype.StartsWith("FP", StringComparison.Ordinal))
        {
            var value = double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

            switch (datatype)
            {
                case "FP32":
                    var single = (float)value;
                    return float.IsFinite(single) ? BitConverter.GetBytes(single) : null;
                case "FP16":
                    var half = (Half)value;
                    return Half.IsFinite(half) ? BitConverter.GetBytes(half) : null;
                default:
                    return double.IsFinite(value) ? BitConverter.GetBytes(value) : null;
            }
        }

        if (!element.TryGetInt64(out var integer))
        {
            return null;
        }

        return datatype switch
        {
            "INT8" when integer is >= sbyte.MinValue and <= sbyte.MaxValue => [unchecked((byte)(sbyte)integer)],
            "UINT8" when integer is >= byte.MinValue and <= byte.MaxValue => [(byte)integer],
            "INT16" when integer is >= short.MinValue and <= short.MaxValue => BitConverter.GetBytes((short)integer),
            "UINT16" when integer is >= ushort.MinValue and <= ushort.MaxValue => BitConverter.GetBytes((ushort)integer),
            "INT32" when integer is >= int.MinValue and <= int.MaxValue => BitConverter.GetBytes((int)integer),
            "UINT32" when integer is >= uint.MinValue and <= uint.MaxValue => BitConverter.GetBytes((uint)integer),
            "INT64" => BitConverter.GetBytes(integer),
            _ => null,
        };
    }

    /// <summary>The tensor's bytes, or null when the server answers 400.</summary>
    private static byte[]? Decode(string data, string datatype, int count)
    {
        try
        {
            return Parse(data, datatype, count).Inputs[0].Data.ToArray();
        }
        catch (InferenceException ex) when (ex.HttpStatus == 400)
        {
            return null;
        }
    }

    private static InferenceRequest Parse(string data, string datatype, int count)
    {
        var json = $$"""{"inputs":[{"name":"x","datatype":"{{datatype}}","shape":[{{count}}],"data":{{data}}}]}""";
        return OipJsonReader.Parse(Encoding.UTF8.GetBytes(json), default, allowNonFinite: false);
    }
}
