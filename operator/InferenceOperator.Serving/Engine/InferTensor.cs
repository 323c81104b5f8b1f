namespace InferenceOperator.Serving.Engine;

/// <summary>
/// A tensor as the engine handles it: numeric elements as raw little-endian bytes in row-major order
/// (exactly what the binary extension, gRPC raw contents and ONNX Runtime use), or BYTES elements.
/// </summary>
internal sealed class InferTensor
{
    public required string Name { get; init; }

    public required TensorDataType DataType { get; init; }

    public required long[] Shape { get; init; }

    /// <summary>
    /// Numeric data, ElementCount x element size bytes (empty for BYTES). Never written while the tensor is in use, so it
    /// may be a slice of the received request body: binary tensor data then reaches ONNX Runtime without another copy.
    /// A request's tensors may live in its pooled buffers, reused once it is done: whatever outlives the request (a
    /// cache entry) keeps a copy.
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>BYTES elements, ElementCount of them. Null for numeric tensors.</summary>
    public byte[][]? Strings { get; init; }

    public long ElementCount => Shapes.Product(Shape);

    /// <summary>Approximate memory held, for the cache's byte budget.</summary>
    public long SizeInBytes => Data.Length + (Strings?.Sum(s => (long)s.Length + 24) ?? 0) + (Shape.Length * 8) + 64;
}

internal static class Shapes
{
    public static long Product(ReadOnlySpan<long> shape)
    {
        long product = 1;
        foreach (var dim in shape)
        {
            product = checked(product * dim);
        }

        return product;
    }

    public static string Format(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(",", parts) + "]";
    }
}

/// <summary>An output the client asked for; Binary selects the binary tensor data extension for it.</summary>
internal sealed record RequestedOutput(string Name, bool Binary);

/// <summary>One inference request, protocol-independent.</summary>
internal sealed class InferenceRequest
{
    public string? Id { get; init; }

    public required IReadOnlyList<InferTensor> Inputs { get; init; }

    /// <summary>Null: every model output.</summary>
    public IReadOnlyList<RequestedOutput>? Outputs { get; init; }

    /// <summary>Request-level parameters.binary_data_output: every output in binary form unless it says otherwise.</summary>
    public bool BinaryOutputsByDefault { get; init; }
}

/// <summary>The outputs of one request, in the order the client asked for (or model order).</summary>
internal sealed class InferenceResponse
{
    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    public string? Id { get; init; }

    public required IReadOnlyList<InferTensor> Outputs { get; init; }

    public bool CacheHit { get; init; }
}
