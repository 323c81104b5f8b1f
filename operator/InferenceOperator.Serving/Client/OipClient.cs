using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;

namespace InferenceOperator.Serving.Client;

/// <summary>
/// A client for any Open Inference Protocol (KServe v2) REST server: health, metadata and inference, in JSON or with
/// the binary tensor data extension.
/// </summary>
public sealed class OipClient : IDisposable
{
    private readonly HttpClient http;
    private readonly bool ownsClient;

    /// <param name="baseAddress">Server root, e.g. http://127.0.0.1:8080/.</param>
    /// <param name="httpClient">Optional client to use (not disposed); by default one with a pooled connection handler.</param>
    public OipClient(Uri baseAddress, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ownsClient = httpClient is null;
        http = httpClient ?? new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
        })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public async Task<bool> IsServerReadyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(BaseAddress, "v2/health/ready"), cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<OipModelMetadata> GetModelMetadataAsync(string model, string? version = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri(BaseAddress, ModelPath(model, version)), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {ModelPath(model, version)}: {(int)response.StatusCode} {ReadError(body)}", null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        static OipTensorMetadata[] Tensors(JsonElement array) => array.EnumerateArray()
            .Select(t => new OipTensorMetadata(t.GetProperty("name").GetString()!, t.GetProperty("datatype").GetString()!, t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToArray();
        return new OipModelMetadata(
            root.GetProperty("name").GetString()!,
            root.TryGetProperty("versions", out var versions) ? versions.EnumerateArray().Select(v => v.GetString()!).ToArray() : [],
            root.TryGetProperty("platform", out var platform) ? platform.GetString() ?? "" : "",
            Tensors(root.GetProperty("inputs")),
            Tensors(root.GetProperty("outputs")));
    }

    /// <summary>Encodes inputs once, as JSON or JSON + binary tensor data.</summary>
    public static OipEncodedRequest Encode(IReadOnlyList<OipTensor> inputs, OipInferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new OipInferOptions();
        var json = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (options.Id is not null)
            {
                writer.WriteString("id", options.Id);
            }

            writer.WriteStartArray("inputs");
            foreach (var input in inputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", input.Name);
                writer.WriteString("datatype", input.Datatype);
                writer.WriteStartArray("shape");
                foreach (var dim in input.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                if (options.Binary)
                {
                    writer.WriteStartObject("parameters");
                    writer.WriteNumber("binary_data_size", TensorCodec.RawLength(ToEngine(input)));
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WritePropertyName("data");
                    OipJsonWriter.WriteData(writer, ToEngine(input));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (options.Outputs is { } outputs)
            {
                writer.WriteStartArray("outputs");
                foreach (var name in outputs)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", name);
                    if (options.Binary)
                    {
                        writer.WriteStartObject("parameters");
                        writer.WriteBoolean("binary_data", true);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else if (options.Binary)
            {
                writer.WriteStartObject("parameters");
                writer.WriteBoolean("binary_data_output", true);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        if (!options.Binary)
        {
            return new OipEncodedRequest(json.WrittenSpan.ToArray(), null, options.Version, options.Timeout);
        }

        var body = new byte[json.WrittenCount + inputs.Sum(i => TensorCodec.RawLength(ToEngine(i)))];
        json.WrittenSpan.CopyTo(body);
        var offset = json.WrittenCount;
        foreach (var input in inputs)
        {
            var engine = ToEngine(input);
            TensorCodec.WriteRaw(engine, body.AsSpan(offset));
            offset += TensorCodec.RawLength(engine);
        }

        return new OipEncodedRequest(body, json.WrittenCount, options.Version, options.Timeout);
    }

    public Task<OipInferResult> InferAsync(string model, IReadOnlyList<OipTensor> inputs, OipInferOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(model, Encode(inputs, options), cancellationToken);

    /// <summary>Sends an encoded request and decodes the response (JSON or binary).</summary>
    public async Task<OipInferResult> SendAsync(string model, OipEncodedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await SendRawAsync(model, request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new OipInferResult((int)response.StatusCode, null, [], ReadError(body));
        }

        var jsonLength = body.Length;
        if (response.Headers.TryGetValues(RestEndpoints.HeaderLength, out var values)
            || response.Content.Headers.TryGetValues(RestEndpoints.HeaderLength, out values))
        {
            jsonLength = int.Parse(values.First(), CultureInfo.InvariantCulture);
        }

        return Decode(body.AsSpan(0, jsonLength), body.AsSpan(jsonLength));
    }

    /// <summary>Sends an encoded request and returns the raw HTTP response (the caller disposes it).</summary>
    public Task<HttpResponseMessage> SendRawAsync(string model, OipEncodedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, ModelPath(model, request.Version) + "/infer"))
        {
            Content = new ByteArrayContent(request.Body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.HeaderLength is null ? "application/json" : "application/octet-stream");
        if (request.HeaderLength is { } length)
        {
            message.Headers.Add(RestEndpoints.HeaderLength, length.ToString(CultureInfo.InvariantCulture));
        }

        if (request.Timeout is { } timeout)
        {
            message.Headers.Add(RestEndpoints.TimeoutHeader, timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture));
        }

        return http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    private static string ModelPath(string model, string? version) =>
        "v2/models/" + Uri.EscapeDataString(model) + (version is null ? "" : "/versions/" + Uri.EscapeDataString(version));

    private static string ReadError(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? "" : Encoding.UTF8.GetString(body);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(body);
        }
    }

    private static OipInferResult Decode(ReadOnlySpan<byte> json, ReadOnlySpan<byte> binary)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var outputs = new List<OipTensor>();
        var offset = 0;
        foreach (var output in root.GetProperty("outputs").EnumerateArray())
        {
            var name = output.GetProperty("name").GetString()!;
            var datatype = output.GetProperty("datatype").GetString()!;
            var shape = output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (!TensorDataTypes.TryParse(datatype, out var type))
            {
                throw new InvalidDataException($"output '{name}' has unknown datatype {datatype}");
            }

            InferTensor tensor;
            if (output.TryGetProperty("parameters", out var parameters) && parameters.TryGetProperty("binary_data_size", out var size))
            {
                var length = size.GetInt32();
                tensor = TensorCodec.FromRaw(name, type, shape, binary.Slice(offset, length), "binary output");
                offset += length;
            }
            else
            {
                // Re-use the server's strict reader: wrap the output as a one-input request.
                var data = output.GetProperty("data").GetRawText();
                var wrapped = $"{{\"inputs\":[{{\"name\":{JsonSerializer.Serialize(name)},\"datatype\":\"{datatype}\",\"shape\":[{string.Join(",", shape)}],\"data\":{data}}}]}}";
                tensor = OipJsonReader.Parse(Encoding.UTF8.GetBytes(wrapped), [], allowNonFinite: true).Inputs[0];
            }

            outputs.Add(new OipTensor(tensor.Name, datatype, tensor.Shape, tensor.Data.ToArray(), tensor.Strings));
        }

        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
        return new OipInferResult(200, id, outputs, null);
    }

    internal static InferTensor ToEngine(OipTensor tensor) =>
        TensorDataTypes.TryParse(tensor.Datatype, out var type)
            ? new InferTensor { Name = tensor.Name, DataType = type, Shape = tensor.Shape, Data = tensor.Data, Strings = tensor.Strings?.ToArray() }
            : throw new ArgumentException($"tensor '{tensor.Name}' has unknown datatype '{tensor.Datatype}'", nameof(tensor));

    public void Dispose()
    {
        if (ownsClient)
        {
            http.Dispose();
        }
    }
}
