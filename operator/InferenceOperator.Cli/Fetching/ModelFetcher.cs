using System.Security.Cryptography;
using InferenceOperator.Models;

namespace InferenceOperator.Cli.Fetching;

/// <summary>
/// Brings a model from its URI to a local file at the planned precision: download (https/http) or copy (file://),
/// verify the checksum, make a fixed batch-1 graph batchable when it allows, and quantize. Partial files never remain.
/// </summary>
internal sealed class ModelFetcher(HttpClient http)
{
    public async Task<string> FetchAsync(string uri, string? sha256, ModelPrecision precision, string output, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        Directory.CreateDirectory(folder);
        var work = Path.Combine(folder, ".fetch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var source = await LocalCopyAsync(uri, work, cancellationToken).ConfigureAwait(false);
            progress?.Report(0.3);
            if (sha256 is not null)
            {
                var actual = await Sha256Async(source, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new CliException($"checksum mismatch for {uri}: spec.model.sha256 is {sha256} but the file has {actual}; fix the URI or the checksum");
                }
            }

            var batchable = Path.Combine(work, "batchable.onnx");
            var conversion = new ModelAnalyzer().MakeBatchDynamic(source, batchable);
            var fp32 = conversion.Changed ? batchable : source;
            progress?.Report(0.5);
            var staged = Path.Combine(work, "out.onnx");
            if (precision == ModelPrecision.Fp32)
            {
                File.Copy(fp32, staged);
            }
            else
            {
                new ModelQuantizer(Path.Combine(work, "cache")).Quantize(fp32, staged, precision, new QuantizationOptions(), null, cancellationToken);
            }

            File.Move(staged, output, overwrite: true);
            progress?.Report(1);
            return output;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A local path for the model: file:// is used in place; http(s) is downloaded into <paramref name="work"/>.</summary>
    public async Task<string> LocalCopyAsync(string uri, string work, CancellationToken cancellationToken)
    {
        if (uri.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = new Uri(uri).LocalPath;
            return File.Exists(path) ? path : throw new CliException($"model file {path} (from {uri}) does not exist");
        }

        if (uri.StartsWith("https://", StringComparison.Ordinal) || uri.StartsWith("http://", StringComparison.Ordinal))
        {
            var target = Path.Combine(work, "download.onnx");
            try
            {
                using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new CliException($"model download from {uri} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                await using var file = File.Create(target);
                await response.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new CliException($"model URI {uri} is unreachable: {ex.Message}");
            }

            return target;
        }

        throw new CliException($"model URI {uri}: use https://, http:// or file:// (pvc:// is mounted by the operator as a file path)");
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
