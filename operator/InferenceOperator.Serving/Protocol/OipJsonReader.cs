using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Protocol;

/// <summary>
/// Parses an OIP v2 infer request (JSON, optionally followed by binary tensor data) into an <see cref="InferenceRequest"/>.
/// Every element is checked against the declared datatype and shape before anything runs; errors name the input and field.
/// </summary>
internal static class OipJsonReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    /// <param name="json">The JSON header (the whole body without the binary extension).</param>
    /// <param name="binary">Bytes after the JSON header (binary tensor data extension); empty otherwise. Copied.</param>
    /// <param name="allowNonFinite">Accept NaN and infinities in floating-point data.</param>
    public static InferenceRequest Parse(ReadOnlySpan<byte> json, ReadOnlySpan<byte> binary, bool allowNonFinite) =>
        Parse(json, binary, default, owned: false, allowNonFinite, parallelism: 1, buffers: null);

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>, where the binary part belongs to this request
    /// and nothing writes it again: its tensors then reference it instead of copying it. Large flat arrays of JSON data
    /// are split across up to <paramref name="parallelism"/> threads. Large decoded JSON data goes into
    /// <paramref name="buffers"/> when given (the caller then keeps them until nothing reads the request).
    /// </summary>
    public static InferenceRequest ParseOwningBinary(ReadOnlySpan<byte> json, ReadOnlyMemory<byte> binary, bool allowNonFinite, int parallelism = 1, RequestBuffers? buffers = null) =>
        Parse(json, binary.Span, binary, owned: true, allowNonFinite, parallelism, buffers);

    private static InferenceRequest Parse(ReadOnlySpan<byte> json, ReadOnlySpan<byte> binary, ReadOnlyMemory<byte> ownedBinary, bool owned, bool allowNonFinite, int parallelism, RequestBuffers? buffers)
    {
        string? id = null;
        var binaryOutputs = false;
        var inputs = new List<InputHeader>();
        List<RequestedOutput>? outputs = null;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            var origin = 0; // where the reader's span starts in json: it is re-created past flat data arrays
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw InferenceException.BadRequest("the request body must be a JSON object with an 'inputs' array");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "id":
                        id = reader.TokenType == JsonTokenType.String
                            ? reader.GetString()
                            : throw InferenceException.BadRequest("field 'id' must be a string");
                        break;
                    case "parameters":
                        binaryOutputs = ReadParameters(ref reader, "request", "binary_data_output") is { } b && b;
                        break;
                    case "inputs":
                        Expect(ref reader, JsonTokenType.StartArray, "field 'inputs' must be an array");
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            inputs.Add(ReadInputHeader(ref reader, ref origin, json, inputs.Count));
                        }

                        break;
                    case "outputs":
                        Expect(ref reader, JsonTokenType.StartArray, "field 'outputs' must be an array");
                        outputs = [];
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            outputs.Add(ReadOutput(ref reader, outputs.Count));
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.Read())
            {
                throw InferenceException.BadRequest("unexpected content after the request's JSON object");
            }
        }
        catch (JsonException ex)
        {
            throw InferenceException.BadRequest($"malformed JSON: {ex.Message}");
        }

        if (inputs.Count == 0)
        {
            throw InferenceException.BadRequest("field 'inputs' is missing or empty");
        }

        var tensors = new InferTensor[inputs.Count];
        var offset = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var header = inputs[i];
            if (header.BinarySize is { } size)
            {
                if (size > binary.Length - offset)
                {
                    throw InferenceException.BadRequest(
                        $"input '{header.Name}': parameters.binary_data_size is {size} but only {binary.Length - offset} bytes of binary data remain after the JSON header (check Inference-Header-Content-Length)");
                }

                const string field = "parameters.binary_data_size / binary data";
                tensors[i] = owned
                    ? TensorCodec.FromOwnedRaw(header.Name, header.DataType, header.Shape, ownedBinary.Slice(offset, (int)size), field)
                    : TensorCodec.FromRaw(header.Name, header.DataType, header.Shape, binary.Slice(offset, (int)size), field);
                offset += (int)size;
            }
            else
            {
                tensors[i] = ReadData(json[header.DataStart..header.DataEnd], header, allowNonFinite, parallelism, buffers);
            }
        }

        if (offset != binary.Length)
        {
            throw InferenceException.BadRequest(
                $"{binary.Length - offset} bytes of binary data follow the JSON header but no input's parameters.binary_data_size claims them");
        }

        return new InferenceRequest
        {
            Id = id,
            Inputs = tensors,
            Outputs = outputs,
            BinaryOutputsByDefault = binaryOutputs,
        };
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string message)
    {
        if (reader.TokenType != type)
        {
            throw InferenceException.BadRequest(message);
        }
    }

    /// <summary>Reads a parameters object, returning the boolean value of <paramref name="flag"/> if present.</summary>
    private static bool? ReadParameters(ref Utf8JsonReader reader, string owner, string flag)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"{owner}: field 'parameters' must be an object");
        bool? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == flag)
            {
                value = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw InferenceException.BadRequest($"{owner}: parameters.{flag} must be true or false"),
                };
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    private static RequestedOutput ReadOutput(ref Utf8JsonReader reader, int index)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"outputs[{index}] must be an object with a 'name'");
        string? name = null;
        var binary = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name":
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw InferenceException.BadRequest($"outputs[{index}]: field 'name' must be a string");
                    break;
                case "parameters":
                    binary = ReadParameters(ref reader, $"output '{name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)}'", "binary_data") ?? false;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return string.IsNullOrEmpty(name)
            ? throw InferenceException.BadRequest($"outputs[{index}]: field 'name' is missing")
            : new RequestedOutput(name, binary);
    }

    private static InputHeader ReadInputHeader(ref Utf8JsonReader reader, ref int origin, ReadOnlySpan<byte> json, int index)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"inputs[{index}] must be an object");
        string? name = null;
        string? datatype = null;
        List<long>? shape = null;
        long? binarySize = null;
        int dataStart = -1, dataEnd = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            var label = name is null ? $"inputs[{index}]" : $"input '{name}'";
            switch (property)
            {
                case "name":
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw InferenceException.BadRequest($"{label}: field 'name' must be a string");
                    break;
                case "datatype":
                    datatype = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw InferenceException.BadRequest($"{label}: field 'datatype' must be a string");
                    break;
                case "shape":
                    Expect(ref reader, JsonTokenType.StartArray, $"{label}: field 'shape' must be an array of integers");
                    shape = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim))
                        {
                            throw InferenceException.BadRequest($"{label}: field 'shape' must be an array of integers");
                        }

                        shape.Add(dim);
                    }

                    break;
                case "parameters":
                    Expect(ref reader, JsonTokenType.StartObject, $"{label}: field 'parameters' must be an object");
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var parameter = reader.GetString();
                        reader.Read();
                        if (parameter == "binary_data_size")
                        {
                            binarySize = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var size) && size >= 0
                                ? size
                                : throw InferenceException.BadRequest($"{label}: parameters.binary_data_size must be a non-negative integer");
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    break;
                case "data":
                    dataStart = origin + checked((int)reader.TokenStartIndex);
                    if (reader.TokenType == JsonTokenType.StartArray && FlatNumberArray.FindClose(json, dataStart) is var close and >= 0)
                    {
                        // Only number characters up to the closing bracket: skip them without tokenising (the data
                        // pass parses them once) by resuming the reader at the bracket, in the state it is in now.
                        reader = new Utf8JsonReader(json[close..], isFinalBlock: true, reader.CurrentState);
                        origin = close;
                        reader.Read();
                        dataEnd = close + 1;
                    }
                    else
                    {
                        reader.Skip();
                        dataEnd = origin + checked((int)reader.BytesConsumed);
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            throw InferenceException.BadRequest($"inputs[{index}]: field 'name' is missing");
        }

        if (datatype is null)
        {
            throw InferenceException.BadRequest($"input '{name}': field 'datatype' is missing");
        }

        if (!TensorDataTypes.TryParse(datatype, out var type))
        {
            throw InferenceException.BadRequest($"input '{name}': field 'datatype' '{datatype}' is not one of {TensorDataTypes.KnownNames}");
        }

        if (shape is null)
        {
            throw InferenceException.BadRequest($"input '{name}': field 'shape' is missing");
        }

        var checkedShape = TensorCodec.CheckShape(name, shape);
        if (binarySize is not null && dataStart >= 0)
        {
            throw InferenceException.BadRequest($"input '{name}': has both field 'data' and parameters.binary_data_size; send one");
        }

        if (binarySize is null && dataStart < 0)
        {
            throw InferenceException.BadRequest($"input '{name}': field 'data' is missing (or send it as binary data with parameters.binary_data_size)");
        }

        return new InputHeader(name, type, checkedShape, binarySize, dataStart, dataEnd);
    }

    private static InferTensor ReadData(ReadOnlySpan<byte> data, InputHeader header, bool allowNonFinite, int parallelism, RequestBuffers? buffers)
    {
        var elements = Shapes.Product(header.Shape);
        Memory<byte> values = default;
        if (elements <= data.Length && header.DataType is not (TensorDataType.Bytes or TensorDataType.Bool))
        {
            values = Allocate(checked((int)elements * header.DataType.ElementSize()), buffers);
            if (FlatNumberArray.TryParseInParallel(data, header.DataType, (int)elements, values, parallelism))
            {
                return new InferTensor { Name = header.Name, DataType = header.DataType, Shape = header.Shape, Data = values };
            }
        }

        try
        {
            // The general path writes every element it accepts, so memory the fast path declined is reused.
            return ReadElements(data, header, allowNonFinite, values, buffers);
        }
        catch (JsonException ex)
        {
            // Reachable only for data the header pass skipped without tokenising (number characters out of order).
            throw InferenceException.BadRequest($"input '{header.Name}': field 'data' is malformed JSON: {ex.Message}");
        }
    }

    private static Memory<byte> Allocate(int length, RequestBuffers? buffers) =>
        buffers?.Rent(length) ?? GC.AllocateUninitializedArray<byte>(length);

    private static InferTensor ReadElements(ReadOnlySpan<byte> data, InputHeader header, bool allowNonFinite, Memory<byte> values, RequestBuffers? buffers)
    {
        var reader = new Utf8JsonReader(data, ReaderOptions);
        reader.Read();
        Expect(ref reader, JsonTokenType.StartArray, $"input '{header.Name}': field 'data' must be an array");
        var count = Shapes.Product(header.Shape);
        if (count > data.Length)
        {
            // Every JSON element takes at least one byte: the data cannot possibly hold the shape.
            throw InferenceException.BadRequest(
                $"input '{header.Name}': field 'data' has fewer elements than the {count} that field 'shape' {Shapes.Format(header.Shape)} requires");
        }

        if (header.DataType != TensorDataType.Bytes && values.IsEmpty)
        {
            values = Allocate((int)count * header.DataType.ElementSize(), buffers);
        }

        var sink = new ElementSink(header, (int)count, allowNonFinite, values);
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            throw InferenceException.BadRequest($"input '{header.Name}': field 'data' is empty but field 'shape' {Shapes.Format(header.Shape)} requires {count} elements");
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // Nested: start again on the outer array and check every level against the shape.
            reader = new Utf8JsonReader(data, ReaderOptions);
            reader.Read();
            ReadNested(ref reader, ref sink, header, 0);
        }
        else
        {
            do
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    throw InferenceException.BadRequest($"input '{header.Name}': field 'data' mixes nested arrays and values; send it flat or nested exactly to field 'shape' {Shapes.Format(header.Shape)}");
                }

                sink.Add(ref reader);
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);
        }

        return sink.Finish();
    }

    /// <summary>Reads one nested array level; <paramref name="depth"/> is the level of the array the reader is on.</summary>
    private static void ReadNested(ref Utf8JsonReader reader, ref ElementSink sink, InputHeader header, int depth)
    {
        var rank = header.Shape.Length;
        if (depth >= rank)
        {
            throw InferenceException.BadRequest(
                $"input '{header.Name}': field 'data' is nested {depth + 1} levels deep but field 'shape' {Shapes.Format(header.Shape)} has {rank} dimensions");
        }

        long children = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            children++;
            if (depth < rank - 1)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw InferenceException.BadRequest(
                        $"input '{header.Name}': field 'data' has a value at nesting depth {depth + 1} where field 'shape' {Shapes.Format(header.Shape)} needs an array of {header.Shape[depth + 1]}");
                }

                ReadNested(ref reader, ref sink, header, depth + 1);
            }
            else
            {
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    throw InferenceException.BadRequest(
                        $"input '{header.Name}': field 'data' is nested deeper than the {rank} dimensions of field 'shape' {Shapes.Format(header.Shape)}");
                }

                sink.Add(ref reader);
            }
        }

        if (children != header.Shape[depth])
        {
            throw InferenceException.BadRequest(
                $"input '{header.Name}': field 'data' has an array of {children} elements at nesting depth {depth + 1} but field 'shape' {Shapes.Format(header.Shape)} says {header.Shape[depth]}");
        }
    }

    private sealed record InputHeader(string Name, TensorDataType DataType, long[] Shape, long? BinarySize, int DataStart, int DataEnd);

    /// <summary>
    /// Collects elements into the tensor's storage (<paramref name="memory"/>, count x element size bytes; empty for
    /// BYTES), checking each against the datatype.
    /// </summary>
    private ref struct ElementSink(InputHeader header, int count, bool allowNonFinite, Memory<byte> memory)
    {
        private readonly Memory<byte> storage = memory;
        private readonly Span<byte> data = memory.Span;
        private readonly byte[][]? strings = header.DataType == TensorDataType.Bytes ? new byte[count][] : null;
        private int index;

        public void Add(ref Utf8JsonReader reader)
        {
            if (index >= count)
            {
                throw InferenceException.BadRequest(
                    $"input '{header.Name}': field 'data' has more than the {count} elements field 'shape' {Shapes.Format(header.Shape)} requires");
            }

            var type = header.DataType;
            var size = type.ElementSize();
            var target = data[(index * size)..];
            switch (type)
            {
                case TensorDataType.Bytes:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Fail(reader, "is not a string (datatype BYTES)");
                    }

                    strings![index] = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan.ToArray();
                    break;
                case TensorDataType.Bool:
                    target[0] = reader.TokenType switch
                    {
                        JsonTokenType.True => 1,
                        JsonTokenType.False => 0,
                        _ => throw Fail(reader, "is not true or false (datatype BOOL)"),
                    };
                    break;
                case TensorDataType.UInt64:
                    {
                        if (!reader.TryGetUInt64Checked(out var value))
                        {
                            throw Fail(reader, "is not an integer in the range of UINT64");
                        }

                        BinaryPrimitives.WriteUInt64LittleEndian(target, value);
                        break;
                    }

                case TensorDataType.Fp16 or TensorDataType.Fp32 or TensorDataType.Fp64:
                    {
                        var value = ReadFloat(ref reader);
                        if (type == TensorDataType.Fp16)
                        {
                            var half = (Half)value;
                            CheckFinite(reader, double.IsFinite(value) && !Half.IsFinite(half), double.IsFinite((double)half));
                            BinaryPrimitives.WriteHalfLittleEndian(target, half);
                        }
                        else if (type == TensorDataType.Fp32)
                        {
                            var single = (float)value;
                            CheckFinite(reader, double.IsFinite(value) && !float.IsFinite(single), float.IsFinite(single));
                            BinaryPrimitives.WriteSingleLittleEndian(target, single);
                        }
                        else
                        {
                            CheckFinite(reader, false, double.IsFinite(value));
                            BinaryPrimitives.WriteDoubleLittleEndian(target, value);
                        }

                        break;
                    }

                default:
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
                        {
                            throw Fail(reader, reader.TokenType == JsonTokenType.String
                                ? $"is a string but datatype {type.Name()} takes numbers"
                                : $"is not an integer (datatype {type.Name()})");
                        }

                        var (min, max) = IntegerElements.Range(type);
                        if (value < min || value > max)
                        {
                            throw Fail(reader, $"= {value} is outside the range of {type.Name()} ({min}..{max})");
                        }

                        IntegerElements.Write(target[..size], value);

                        break;
                    }
            }

            index++;
        }

        private readonly double ReadFloat(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                // Not reader.TryGetDouble: its parser rounds a tie up when zeros follow it ("23922434841128994.000" gives
                // ...996, IEEE 754 and the flat-array scanner give ...992), so nested and flat data would disagree.
                ReadOnlySpan<byte> text = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                    ? value
                    : throw Fail(reader, "is beyond the range of FP64");
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                var text = reader.GetString();
                double? special = text switch
                {
                    "NaN" or "nan" => double.NaN,
                    "Infinity" or "inf" or "+inf" or "+Infinity" => double.PositiveInfinity,
                    "-Infinity" or "-inf" => double.NegativeInfinity,
                    _ => null,
                };
                return special ?? throw Fail(reader, $"is a string but datatype {header.DataType.Name()} takes numbers");
            }

            throw Fail(reader, $"is not a number (datatype {header.DataType.Name()})");
        }

        private readonly void CheckFinite(Utf8JsonReader reader, bool overflowed, bool finite)
        {
            if (overflowed)
            {
                throw Fail(reader, $"is outside the range of {header.DataType.Name()}");
            }

            if (!finite && !allowNonFinite)
            {
                throw Fail(reader, "is NaN or infinite, which this server does not accept (AllowNonFinite=false)");
            }
        }

        private readonly InferenceException Fail(Utf8JsonReader reader, string problem)
        {
            var text = reader.TokenType is JsonTokenType.Number or JsonTokenType.String
                ? " (" + Encoding.UTF8.GetString(reader.ValueSpan.Length > 40 ? reader.ValueSpan[..40] : reader.ValueSpan) + ")"
                : string.Empty;
            return InferenceException.BadRequest($"input '{header.Name}': field 'data' element {index}{text} {problem}");
        }

        public readonly InferTensor Finish()
        {
            if (index != count)
            {
                throw InferenceException.BadRequest(
                    $"input '{header.Name}': field 'data' has {index} elements but field 'shape' {Shapes.Format(header.Shape)} requires {count}");
            }

            return new InferTensor { Name = header.Name, DataType = header.DataType, Shape = header.Shape, Data = storage, Strings = strings };
        }
    }
}

internal static class Utf8JsonReaderExtensions
{
    public static bool TryGetUInt64Checked(this ref Utf8JsonReader reader, out ulong value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out value);
    }
}
