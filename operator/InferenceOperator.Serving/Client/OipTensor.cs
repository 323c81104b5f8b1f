using System.Runtime.InteropServices;
using System.Text;

namespace InferenceOperator.Serving.Client;

/// <summary>
/// A tensor as an Open Inference Protocol client sends or receives it. Numeric elements are raw little-endian bytes
/// in row-major order; BYTES elements are in <see cref="Strings"/>.
/// </summary>
/// <param name="Name">Input or output name.</param>
/// <param name="Datatype">OIP datatype: BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64 or BYTES.</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Data">Numeric data; empty for BYTES.</param>
/// <param name="Strings">BYTES elements; null for numeric tensors.</param>
public sealed record OipTensor(string Name, string Datatype, long[] Shape, byte[] Data, IReadOnlyList<byte[]>? Strings = null)
{
    public static OipTensor FromInt64(string name, long[] shape, ReadOnlySpan<long> values) =>
        new(name, "INT64", shape, MemoryMarshal.AsBytes(values).ToArray());

    public static OipTensor FromInt32(string name, long[] shape, ReadOnlySpan<int> values) =>
        new(name, "INT32", shape, MemoryMarshal.AsBytes(values).ToArray());

    public static OipTensor FromSingle(string name, long[] shape, ReadOnlySpan<float> values) =>
        new(name, "FP32", shape, MemoryMarshal.AsBytes(values).ToArray());

    public static OipTensor FromStrings(string name, long[] shape, IEnumerable<string> values) =>
        new(name, "BYTES", shape, [], values.Select(Encoding.UTF8.GetBytes).ToArray());

    public float[] AsSingles() => MemoryMarshal.Cast<byte, float>(Data).ToArray();

    public long[] AsInt64() => MemoryMarshal.Cast<byte, long>(Data).ToArray();

    public IReadOnlyList<string> AsStrings() => (Strings ?? []).Select(s => Encoding.UTF8.GetString(s)).ToArray();
}

/// <summary>Options of one inference call.</summary>
public sealed record OipInferOptions
{
    /// <summary>Model version; null lets the server choose.</summary>
    public string? Version { get; init; }

    /// <summary>Request id, echoed by the server.</summary>
    public string? Id { get; init; }

    /// <summary>Send inputs and ask for outputs with the binary tensor data extension.</summary>
    public bool Binary { get; init; }

    /// <summary>Outputs to return; null: all.</summary>
    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>Server-side deadline (header Inference-Timeout-Ms).</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>The result of one call: status code, the outputs on success, the server's error message otherwise.</summary>
public sealed record OipInferResult(int StatusCode, string? Id, IReadOnlyList<OipTensor> Outputs, string? Error)
{
    public bool IsSuccess => StatusCode == 200;

    public OipTensor Output(string name) =>
        Outputs.FirstOrDefault(o => o.Name == name) ?? throw new KeyNotFoundException($"output '{name}' is not in the response (got {string.Join(", ", Outputs.Select(o => o.Name))})");
}

/// <summary>A tensor's name, datatype and shape (-1: variable) from model metadata.</summary>
public sealed record OipTensorMetadata(string Name, string Datatype, long[] Shape);

/// <summary>GET /v2/models/{model}.</summary>
public sealed record OipModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform, IReadOnlyList<OipTensorMetadata> Inputs, IReadOnlyList<OipTensorMetadata> Outputs);

/// <summary>A request encoded once and sent many times (what a load generator does).</summary>
public sealed record OipEncodedRequest(byte[] Body, int? HeaderLength, string? Version, TimeSpan? Timeout);
