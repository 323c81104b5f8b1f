using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Protocol;

/// <summary>The Open Inference Protocol (KServe v2) REST API, with the binary tensor data extension.</summary>
internal static class RestEndpoints
{
    /// <summary>Header of the binary tensor data extension: length of the JSON part of the body.</summary>
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>Per-request deadline in milliseconds; without it the configured DefaultDeadlineMs applies.</summary>
    public const string TimeoutHeader = "Inference-Timeout-Ms";

    public const string ServerName = "inference-server";

    public static readonly string[] Extensions = ["binary_tensor_data"];

    public static string ServerVersion { get; } =
        typeof(RestEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static IEndpointRouteBuilder MapOpenInferenceRest(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/health/live", (HttpContext context) => WriteJson(context, 200, w => w.WriteBoolean("live", true)));
        app.MapGet("/v2/health/ready", (HttpContext context, InferenceEngine engine) =>
            WriteJson(context, engine.IsReady ? 200 : 503, w => w.WriteBoolean("ready", engine.IsReady)));
        app.MapGet("/v2", (HttpContext context) => WriteJson(context, 200, w =>
        {
            w.WriteString("name", ServerName);
            w.WriteString("version", ServerVersion);
            w.WriteStartArray("extensions");
            foreach (var extension in Extensions)
            {
                w.WriteStringValue(extension);
            }

            w.WriteEndArray();
        }));

        app.MapGet("/v2/models/{model}", (HttpContext context, InferenceEngine engine, string model) => Metadata(context, engine, model, null));
        app.MapGet("/v2/models/{model}/versions/{version}", (HttpContext context, InferenceEngine engine, string model, string version) => Metadata(context, engine, model, version));
        app.MapGet("/v2/models/{model}/ready", (HttpContext context, InferenceEngine engine, string model) => ModelReady(context, engine, model, null));
        app.MapGet("/v2/models/{model}/versions/{version}/ready", (HttpContext context, InferenceEngine engine, string model, string version) => ModelReady(context, engine, model, version));
        app.MapPost("/v2/models/{model}/infer", (HttpContext context, string model) => Infer(context, model, null));
        app.MapPost("/v2/models/{model}/versions/{version}/infer", (HttpContext context, string model, string version) => Infer(context, model, version));
        return app;
    }

    private static Task Metadata(HttpContext context, InferenceEngine engine, string model, string? version)
    {
        try
        {
            engine.Resolve(model, version);
            var loaded = engine.RequireModel();
            return WriteJson(context, 200, null, w => OipJsonWriter.WriteModelMetadata(w, engine.ModelName, engine.ModelVersion, loaded));
        }
        catch (InferenceException ex)
        {
            return WriteError(context, ex.HttpStatus, ex.Message);
        }
    }

    private static Task ModelReady(HttpContext context, InferenceEngine engine, string model, string? version)
    {
        try
        {
            engine.Resolve(model, version);
        }
        catch (InferenceException ex)
        {
            return WriteError(context, ex.HttpStatus, ex.Message);
        }

        // OIP: {"name", "ready"}; when not ready we add "reason" so an operator sees why (for example a missing GPU provider).
        var ready = engine.IsReady;
        return WriteJson(context, ready ? 200 : 503, w =>
        {
            w.WriteString("name", engine.ModelName);
            w.WriteBoolean("ready", ready);
            if (!ready)
            {
                w.WriteString("reason", engine.NotReadyReason);
            }
        });
    }

    private static async Task Infer(HttpContext context, string model, string? version)
    {
        var services = context.RequestServices;
        var engine = services.GetRequiredService<InferenceEngine>();
        var metrics = services.GetRequiredService<ServingMetrics>();
        var options = services.GetRequiredService<IOptions<ServingOptions>>().Value;
        var started = Stopwatch.GetTimestamp();
        var label = string.Equals(model, engine.ModelName, StringComparison.Ordinal) ? engine.ModelName : "_unknown";
        var code = 200;
        using var inflight = metrics.TrackInflight(label);
        // Returned when the response is written: by then the engine no longer reads the request's tensors.
        using var buffers = new RequestBuffers();
        try
        {
            engine.Resolve(model, version);
            InferenceRequest request;
            using (var body = await ReadBodyAsync(context, options.MaxRequestBodyBytes, buffers).ConfigureAwait(false))
            {
                var decoder = services.GetRequiredService<BackgroundDecoder>();
                // Only the JSON part is costly to decode; binary tensor data is referenced where it was received.
                // An idle engine has nothing to yield to: then the request's own thread decodes at once, and splits a large
                // JSON tensor across the CPUs inference is not using.
                var busy = engine.IsBusy;
                request = busy && decoder.Handles(body.JsonLength)
                    ? await decoder.DecodeAsync(() => Parse(body, options.AllowNonFinite, parallelism: 1, buffers)).ConfigureAwait(false)
                    : Parse(body, options.AllowNonFinite, busy ? 1 : decoder.Threads, buffers);
            }

            var response = await engine.InferAsync(request, ReadTimeout(context), context.RequestAborted).ConfigureAwait(false);
            await WriteInferResponseAsync(context, response, request).ConfigureAwait(false);
        }
        catch (InferenceException ex)
        {
            code = ex.HttpStatus;
            await WriteError(context, code, ex.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            code = ex.StatusCode;
            var message = code == 413 ? $"the request body is larger than the limit of {options.MaxRequestBodyBytes} bytes" : $"bad request: {ex.Message}";
            await WriteError(context, code, message).ConfigureAwait(false);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            code = 499; // the client went away
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            code = 500;
            Log.Unexpected(services.GetRequiredService<ILogger<InferenceEngine>>(), ex, context.Request.Method, context.Request.Path);
            await WriteError(context, code, $"internal error: {ex.Message}").ConfigureAwait(false);
        }
        finally
        {
            metrics.Request(label, code, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Length of the JSON part: the binary extension's header, else the whole body.</summary>
    private static int JsonLength(HttpContext context, int bodyLength)
    {
        if (!context.Request.Headers.TryGetValue(HeaderLength, out var headerValue))
        {
            return bodyLength;
        }

        return int.TryParse(headerValue, NumberStyles.None, CultureInfo.InvariantCulture, out var jsonLength) && jsonLength <= bodyLength
            ? jsonLength
            : throw InferenceException.BadRequest(
                $"header {HeaderLength} '{headerValue}' must be a non-negative integer no larger than the body ({bodyLength} bytes)");
    }

    /// <summary>
    /// Parses a request: what it takes from the JSON part is decoded into <paramref name="buffers"/> (the JSON buffer goes
    /// back to the pool), while tensors sent as binary data reference the array they were received into.
    /// </summary>
    private static InferenceRequest Parse(RequestBody body, bool allowNonFinite, int parallelism, RequestBuffers buffers) =>
        OipJsonReader.ParseOwningBinary(body.Json, body.Binary, allowNonFinite, parallelism, buffers);

    private static TimeSpan? ReadTimeout(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(TimeoutHeader, out var value))
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 && double.IsFinite(ms)
            ? TimeSpan.FromMilliseconds(ms)
            : throw InferenceException.BadRequest($"header {TimeoutHeader} '{value}' must be a non-negative number of milliseconds");
    }

    private static async Task<RequestBody> ReadBodyAsync(HttpContext context, long limit, RequestBuffers buffers)
    {
        var declared = context.Request.ContentLength;
        if (declared > limit)
        {
            // Let the server drain a moderately oversized body after the 413, so clients that send the whole body
            // before reading the response (most do, unless they use Expect: 100-continue) see the 413, not a reset.
            if (declared <= (limit * 4) + (1 << 20) && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } drain)
            {
                drain.MaxRequestBodySize = declared;
            }

            throw new InferenceException(ErrorKind.PayloadTooLarge, $"the request body ({declared} bytes) is larger than the limit of {limit} bytes");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (declared is { } length)
        {
            // The JSON part is rented: it is garbage once parsed, and a JSON image is 1.3 MB. Binary tensor data is read
            // straight into the memory its tensors will use (the request's own buffers), which saves copying an image
            // (0.6 MB) a second time.
            var jsonLength = JsonLength(context, (int)length);
            var buffer = ArrayPool<byte>.Shared.Rent(jsonLength);
            var body = new RequestBody(buffer, jsonLength, buffers.Rent((int)length - jsonLength));
            try
            {
                await context.Request.Body.ReadExactlyAsync(buffer.AsMemory(0, jsonLength), context.RequestAborted).ConfigureAwait(false);
                await context.Request.Body.ReadExactlyAsync(MemoryMarshal.AsMemory(body.Binary), context.RequestAborted).ConfigureAwait(false);
                return body;
            }
            catch
            {
                body.Dispose();
                throw;
            }
        }

        using var copy = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > limit)
                {
                    throw new InferenceException(ErrorKind.PayloadTooLarge, $"the request body is larger than the limit of {limit} bytes");
                }

                copy.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        var whole = copy.ToArray();
        var json = JsonLength(context, whole.Length);
        return new RequestBody(whole, json, whole.AsMemory(json), Rented: false);
    }

    private static async Task WriteInferResponseAsync(HttpContext context, InferenceResponse response, InferenceRequest request)
    {
        var json = new ArrayBufferWriter<byte>(4096);
        var binary = OipJsonWriter.WriteInferResponse(json, response, request);
        var http = context.Response;
        http.StatusCode = 200;
        if (binary.Count == 0)
        {
            http.ContentType = "application/json";
            http.ContentLength = json.WrittenCount;
            await http.Body.WriteAsync(json.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var total = json.WrittenCount + binary.Sum(TensorCodec.RawLength);
        http.ContentType = "application/octet-stream";
        http.Headers[HeaderLength] = json.WrittenCount.ToString(CultureInfo.InvariantCulture);
        http.ContentLength = total;
        await http.Body.WriteAsync(json.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        foreach (var tensor in binary)
        {
            await http.Body.WriteAsync(TensorCodec.ToRaw(tensor), context.RequestAborted).ConfigureAwait(false);
        }
    }

    public static Task WriteError(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask; // nothing can be sent any more
        }

        if (status is 429 or 503)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        var body = OipJsonWriter.Error(message);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static Task WriteJson(HttpContext context, int status, Action<Utf8JsonWriter> properties) =>
        WriteJson(context, status, properties, null);

    private static async Task WriteJson(HttpContext context, int status, Action<Utf8JsonWriter>? properties, Action<Utf8JsonWriter>? document)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (document is not null)
            {
                document(writer);
            }
            else
            {
                writer.WriteStartObject();
                properties!(writer);
                writer.WriteEndObject();
            }
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>
/// A request body: its JSON part (in a pooled buffer when the body's length was declared) and its binary tensor data
/// (in the request's buffers, which its tensors may reference until the request is done).
/// </summary>
internal readonly record struct RequestBody(byte[] JsonBuffer, int JsonLength, ReadOnlyMemory<byte> Binary, bool Rented = true) : IDisposable
{
    public ReadOnlySpan<byte> Json => JsonBuffer.AsSpan(0, JsonLength);

    public void Dispose()
    {
        if (Rented)
        {
            ArrayPool<byte>.Shared.Return(JsonBuffer);
        }
    }
}
