using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceOperator.Models.Profiling;

/// <summary>Loads user calibration inputs from JSON or NPY into single items (batch 1).</summary>
internal static class CalibrationSet
{
    public static IReadOnlyList<IReadOnlyList<InputTensor>> Load(string path, IReadOnlyList<(string Name, TensorElementType Type, int Rank)> inputs)
    {
        if (!File.Exists(path))
        {
            throw new ModelException(path, "calibration file not found");
        }

        try
        {
            return Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase) ? FromNpy(path, inputs) : FromJson(path, inputs);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException or EndOfStreamException or InvalidOperationException or KeyNotFoundException)
        {
            throw new ModelException(path, $"cannot read calibration inputs: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static List<IReadOnlyList<InputTensor>> FromJson(string path, IReadOnlyList<(string Name, TensorElementType Type, int Rank)> inputs)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var items = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("inputs", out var list) ? list : root;
        if (items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
        {
            throw new InvalidDataException("expected a non-empty array of {inputName: nested numbers} objects");
        }

        var result = new List<IReadOnlyList<InputTensor>>();
        foreach (var item in items.EnumerateArray())
        {
            var tensors = new List<InputTensor>();
            foreach (var (name, type, rank) in inputs)
            {
                if (!item.TryGetProperty(name, out var value))
                {
                    throw new InvalidDataException($"item {result.Count} has no value for input '{name}'");
                }

                var shape = new List<long>();
                var element = value;
                while (element.ValueKind == JsonValueKind.Array)
                {
                    shape.Add(element.GetArrayLength());
                    element = element.GetArrayLength() > 0 ? element[0] : default;
                }

                if (shape.Count == rank - 1)
                {
                    shape.Insert(0, 1);
                }

                if (shape.Count != rank || shape[0] != 1)
                {
                    throw new InvalidDataException($"input '{name}' of item {result.Count} has shape [{string.Join(",", shape)}]; expected rank {rank} with batch 1");
                }

                var flat = new List<double>();
                Flatten(value, flat);
                tensors.Add(type is TensorElementType.Float or TensorElementType.Float16
                    ? new InputTensor(name, type, [.. shape], [.. flat.Select(v => (float)v)], null)
                    : new InputTensor(name, type, [.. shape], null, [.. flat.Select(v => (long)v)]));
            }

            result.Add(tensors);
        }

        return result;
    }

    private static void Flatten(JsonElement element, List<double> into)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in element.EnumerateArray())
            {
                Flatten(child, into);
            }
        }
        else
        {
            into.Add(element.GetDouble());
        }
    }

    /// <summary>NumPy .npy (format 1.x/2.x, little-endian f4, f8, i4 or i8, C order): the first axis is the sample.</summary>
    private static List<IReadOnlyList<InputTensor>> FromNpy(string path, IReadOnlyList<(string Name, TensorElementType Type, int Rank)> inputs)
    {
        if (inputs.Count != 1)
        {
            throw new InvalidDataException($"an NPY file can feed only a single-input model; this one has {inputs.Count} inputs (use JSON)");
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException("not an NPY file");
        }

        var major = bytes[6];
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        var headerStart = major == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        var descr = Between(header, "'descr':", ",").Trim().Trim('\'');
        if (Between(header, "'fortran_order':", ",").Trim() != "False")
        {
            throw new InvalidDataException("Fortran-ordered arrays are not supported");
        }

        var shapeText = Between(header, "'shape': (", ")");
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var data = bytes.AsSpan(headerStart + headerLength);
        var (name, type, rank) = inputs[0];
        if (shape.Length != rank)
        {
            throw new InvalidDataException($"array shape ({shapeText}) must have rank {rank}: samples first, then the input's dimensions after batch");
        }

        var perItem = (int)shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var itemShape = shape.Skip(1).Prepend(1L).ToArray();
        var width = descr[^1] - '0';
        var result = new List<IReadOnlyList<InputTensor>>();
        for (var n = 0; n < shape[0]; n++)
        {
            var values = new double[perItem];
            for (var i = 0; i < perItem; i++)
            {
                var at = data[(((n * perItem) + i) * width)..];
                values[i] = descr switch
                {
                    "<f4" => BinaryPrimitives.ReadSingleLittleEndian(at),
                    "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(at),
                    "<i4" => BinaryPrimitives.ReadInt32LittleEndian(at),
                    "<i8" => BinaryPrimitives.ReadInt64LittleEndian(at),
                    _ => throw new InvalidDataException($"unsupported dtype {descr} (use <f4, <f8, <i4 or <i8)"),
                };
            }

            result.Add([type is TensorElementType.Float or TensorElementType.Float16
                ? new InputTensor(name, type, itemShape, [.. values.Select(v => (float)v)], null)
                : new InputTensor(name, type, itemShape, null, [.. values.Select(v => (long)v)])]);
        }

        return result;
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        if (from < 0)
        {
            throw new InvalidDataException($"NPY header lacks {start}");
        }

        from += start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        return to < 0 ? text[from..] : text[from..to];
    }
}
