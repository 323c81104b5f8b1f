using System.Text.Json.Serialization;
using InferenceOperator.Api.Schema;

namespace InferenceOperator.Api;

/// <summary>Where the model comes from and, optionally, what is already known about it.</summary>
[ValidationRule("!self.uri.startsWith('http://') || has(self.sha256)", "model.sha256 is required for http:// URIs: a model fetched without TLS must be verified by checksum")]
public sealed class ModelSpec
{
    /// <summary>Model location: https://, http://, pvc://CLAIM/path, or file:// (local mode only).</summary>
    [JsonPropertyName("uri")]
    [RequiredField]
    [Pattern("^(https?://|pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/|file://).+")]
    [Length(1, 2048)]
    public string Uri { get; set; } = "";

    /// <summary>Expected SHA-256 of the model file (64 lowercase hex digits); the download is rejected on mismatch.</summary>
    [JsonPropertyName("sha256")]
    [Pattern("^[a-f0-9]{64}$")]
    public string? Sha256 { get; set; }

    /// <summary>Model file format.</summary>
    [JsonPropertyName("format")]
    [Default("onnx")]
    public ModelFormat? Format { get; set; }

    /// <summary>Known model figures; when given, the operator skips its profiling Job and plans from these.</summary>
    [JsonPropertyName("profile")]
    public ModelProfile? Profile { get; set; }

    /// <summary>PersistentVolumeClaim that caches fetched and converted model files across pods; absent means an emptyDir per pod.</summary>
    [JsonPropertyName("cacheClaimName")]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public string? CacheClaimName { get; set; }
}
