using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using InferenceOperator.Serving.Engine;

namespace InferenceOperator.Serving.Protocol;

/// <summary>Writes OIP v2 JSON documents: infer responses (with binary outputs when asked), metadata and errors.</summary>
internal static class OipJsonWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>
    /// Writes the response JSON into <paramref name="buffer"/> and returns the outputs to append as binary data
    /// (in order) when the client asked for the binary tensor data extension.
    /// </summary>
    public static List<InferTensor> WriteInferResponse(IBufferWriter<byte> buffer, InferenceResponse response, InferenceRequest request)
    {
        var binary = new List<InferTensor>();
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model_name", response.ModelName);
        writer.WriteString("model_version", response.ModelVersion);
        if (response.Id is not null)
        {
            writer.WriteString("id", response.Id);
        }

        writer.WriteStartArray("outputs");
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var asBinary = request.Outputs is { } requested ? requested[i].Binary || request.BinaryOutputsByDefault : request.BinaryOutputsByDefault;
            writer.WriteStartObject();
            writer.WriteString("name", output.Name);
            writer.WriteString("datatype", output.DataType.Name());
            writer.WriteStartArray("shape");
            foreach (var dim in output.Shape)
            {
                writer.WriteNumberValue(dim);
            }

            writer.WriteEndArray();
            if (asBinary)
            {
                writer.WriteStartObject("parameters");
                writer.WriteNumber("binary_data_size", TensorCodec.RawLength(output));
                writer.WriteEndObject();
                binary.Add(output);
            }
            else
            {
                writer.WritePropertyName("data");
                WriteData(writer, output);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        return binary;
    }

    /// <summary>Writes the tensor's elements as a flat JSON array.</summary>
    public static void WriteData(Utf8JsonWriter writer, InferTensor tensor)
    {
        writer.WriteStartArray();
        var data = tensor.Data.Span;
        switch (tensor.DataType)
        {
            case TensorDataType.Bytes:
                foreach (var element in tensor.Strings!)
                {
                    writer.WriteStringValue(Encoding.UTF8.GetString(element));
                }

                break;
            case TensorDataType.Bool:
                foreach (var b in data)
                {
                    writer.WriteBooleanValue(b != 0);
                }

                break;
            case TensorDataType.UInt8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue(b);
                }

                break;
            case TensorDataType.Int8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue(unchecked((sbyte)b));
                }

                break;
            case TensorDataType.UInt16:
                for (var i = 0; i < data.Length; i += 2)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int16:
                for (var i = 0; i < data.Length; i += 2)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.UInt32:
                for (var i = 0; i < data.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int32:
                for (var i = 0; i < data.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.UInt64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Fp16:
                for (var i = 0; i < data.Length; i += 2)
                {
                    WriteFloat(writer, (double)BinaryPrimitives.ReadHalfLittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Fp32:
                for (var i = 0; i < data.Length; i += 4)
                {
                    var value = BinaryPrimitives.ReadSingleLittleEndian(data[i..]);
                    if (float.IsFinite(value))
                    {
                        writer.WriteNumberValue(value);
                    }
                    else
                    {
                        WriteFloat(writer, value);
                    }
                }

                break;
            case TensorDataType.Fp64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    WriteFloat(writer, BinaryPrimitives.ReadDoubleLittleEndian(data[i..]));
                }

                break;
            default:
                throw new InvalidOperationException($"unknown datatype {tensor.DataType}");
        }

        writer.WriteEndArray();
    }

    // JSON has no NaN or infinity: they travel as the strings most OIP clients understand.
    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    public static byte[] Error(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(message.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteModelMetadata(Utf8JsonWriter writer, string name, string version, OnnxModel model)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteStartArray("versions");
        writer.WriteStringValue(version);
        writer.WriteEndArray();
        writer.WriteString("platform", "onnx_onnxv1");
        WriteSpecs(writer, "inputs", model.Inputs);
        WriteSpecs(writer, "outputs", model.Outputs);
        writer.WriteEndObject();
    }

    private static void WriteSpecs(Utf8JsonWriter writer, string property, IReadOnlyList<TensorSpec> specs)
    {
        writer.WriteStartArray(property);
        foreach (var spec in specs)
        {
            writer.WriteStartObject();
            writer.WriteString("name", spec.Name);
            writer.WriteString("datatype", spec.DataType.Name());
            writer.WriteStartArray("shape");
            foreach (var dim in spec.Shape)
            {
                writer.WriteNumberValue(dim);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
