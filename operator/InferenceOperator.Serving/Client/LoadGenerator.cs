using System.Diagnostics;
using System.Net;

namespace InferenceOperator.Serving.Client;

/// <summary>What to load-test: a closed loop of <c>Concurrency</c> clients, each sending its next request as soon as the previous answer arrives.</summary>
public sealed record LoadTestOptions
{
    /// <summary>Server root, e.g. http://127.0.0.1:8080/.</summary>
    public required Uri Url { get; init; }

    public required string Model { get; init; }

    public string? Version { get; init; }

    /// <summary>Concurrency levels, run one after another (e.g. 1, 8, 32).</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [1];

    /// <summary>Measured time per level.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unmeasured time per level before measuring.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Use the binary tensor data extension for inputs and outputs.</summary>
    public bool Binary { get; init; }

    /// <summary>Inputs to send; null: synthesised from the model metadata (variable dimensions from <see cref="Dimensions"/>, else 1).</summary>
    public IReadOnlyList<OipTensor>? Inputs { get; init; }

    /// <summary>Values for variable dimensions when synthesising inputs, by position (e.g. [1, 128] for [batch, sequence]).</summary>
    public IReadOnlyList<long>? Dimensions { get; init; }

    /// <summary>Outputs to request; null: all.</summary>
    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>Per-request server deadline, sent as Inference-Timeout-Ms.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>The outcome of one concurrency level.</summary>
/// <param name="Concurrency">Clients in the closed loop.</param>
/// <param name="Requests">Requests completed successfully during the measured window.</param>
/// <param name="Errors">Requests that failed (non-200 or transport error).</param>
/// <param name="ErrorsByKind">Errors by HTTP status code ("429") or exception type.</param>
/// <param name="Elapsed">Measured window.</param>
/// <param name="Throughput">Successful requests per second.</param>
/// <param name="Mean">Mean latency of successful requests.</param>
/// <param name="P50">Median latency.</param>
/// <param name="P95">95th percentile latency.</param>
/// <param name="P99">99th percentile latency.</param>
public sealed record LoadLevelResult(
    int Concurrency,
    long Requests,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    TimeSpan Elapsed,
    double Throughput,
    TimeSpan Mean,
    TimeSpan P50,
    TimeSpan P95,
    TimeSpan P99)
{
    public override string ToString() =>
        $"concurrency {Concurrency,3}: {Throughput,9:F1} req/s  p50 {P50.TotalMilliseconds,8:F2} ms  p95 {P95.TotalMilliseconds,8:F2} ms  p99 {P99.TotalMilliseconds,8:F2} ms  errors {Errors}"
        + (ErrorsByKind.Count == 0 ? "" : " (" + string.Join(", ", ErrorsByKind.Select(e => $"{e.Key}: {e.Value}")) + ")");
}

/// <summary>
/// A closed-loop load generator for any Open Inference Protocol REST server (a perf_analyzer-like tool):
/// for each concurrency level it keeps that many requests in flight for the duration and reports throughput,
/// latency percentiles and errors.
/// </summary>
public sealed class LoadGenerator(OipClient? client = null)
{
    public async Task<IReadOnlyList<LoadLevelResult>> RunAsync(LoadTestOptions options, IProgress<LoadLevelResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Concurrency.Count == 0 || options.Concurrency.Any(c => c < 1))
        {
            throw new ArgumentException("concurrency levels must be positive", nameof(options));
        }

        var ownClient = client is null;
        var oip = client ?? new OipClient(options.Url);
        try
        {
            var inputs = options.Inputs ?? SynthesiseInputs(await oip.GetModelMetadataAsync(options.Model, options.Version, cancellationToken).ConfigureAwait(false), options.Dimensions);
            var request = OipClient.Encode(inputs, new OipInferOptions { Binary = options.Binary, Outputs = options.Outputs, Version = options.Version, Timeout = options.Timeout });
            var results = new List<LoadLevelResult>();
            foreach (var concurrency in options.Concurrency)
            {
                var result = await RunLevelAsync(oip, options, request, concurrency, cancellationToken).ConfigureAwait(false);
                progress?.Report(result);
                results.Add(result);
            }

            return results;
        }
        finally
        {
            if (ownClient)
            {
                oip.Dispose();
            }
        }
    }

    private static async Task<LoadLevelResult> RunLevelAsync(OipClient oip, LoadTestOptions options, OipEncodedRequest request, int concurrency, CancellationToken cancellationToken)
    {
        // Requests are counted by completion time inside [warm-up, warm-up + duration] (what perf_analyzer does), so
        // levels whose latency exceeds the window still measure. At the end of the window requests still in flight
        // are cancelled: the server drops them from its queue and the next level starts from a drained server.
        var clock = Stopwatch.StartNew();
        var measureFrom = options.Warmup;
        var measureUntil = options.Warmup + options.Duration;
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(measureUntil);
        var token = window.Token;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>(1024);
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            while (!token.IsCancellationRequested)
            {
                var start = clock.Elapsed;
                string? error = null;
                try
                {
                    using var response = await oip.SendRawAsync(options.Model, request, token).ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        error = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break; // the window closed with this request in flight: not counted
                }
                catch (HttpRequestException ex)
                {
                    error = ex.GetType().Name;
                }
                catch (TaskCanceledException)
                {
                    error = "timeout";
                }

                var end = clock.Elapsed;
                if (end < measureFrom || end > measureUntil)
                {
                    continue; // outside the measured window
                }

                if (error is null)
                {
                    latencies.Add((end - start).TotalSeconds);
                }
                else
                {
                    errors[error] = errors.GetValueOrDefault(error) + 1;
                }
            }

            return (latencies, errors);
        }, CancellationToken.None)).ToArray();

        var outcomes = await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var all = outcomes.SelectMany(o => o.latencies).ToArray();
        Array.Sort(all);
        var errorsByKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (_, errors) in outcomes)
        {
            foreach (var (kind, count) in errors)
            {
                errorsByKind[kind] = errorsByKind.GetValueOrDefault(kind) + count;
            }
        }

        var seconds = options.Duration.TotalSeconds;
        return new LoadLevelResult(
            concurrency,
            all.Length,
            errorsByKind.Values.Sum(),
            errorsByKind,
            options.Duration,
            all.Length / seconds,
            TimeSpan.FromSeconds(all.Length == 0 ? 0 : all.Average()),
            Percentile(all, 0.50),
            Percentile(all, 0.95),
            Percentile(all, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted latencies in seconds.</summary>
    internal static TimeSpan Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return TimeSpan.FromSeconds(sorted[Math.Clamp(rank, 0, sorted.Length - 1)]);
    }

    /// <summary>
    /// Inputs for every model input: variable dimensions from <paramref name="dimensions"/> by position, else 1;
    /// integers are 1 (a valid token id / mask), floats a deterministic pattern in [0, 1), BYTES "x".
    /// </summary>
    public static IReadOnlyList<OipTensor> SynthesiseInputs(OipModelMetadata metadata, IReadOnlyList<long>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.Inputs.Select(input =>
        {
            var shape = input.Shape.Select((d, i) => d >= 0 ? d : dimensions is { } given && i < given.Count ? given[i] : 1).ToArray();
            var count = (int)shape.Aggregate(1L, (a, b) => a * b);
            var engineType = OipClient.ToEngine(new OipTensor(input.Name, input.Datatype, shape, [])).DataType;
            if (input.Datatype == "BYTES")
            {
                return OipTensor.FromStrings(input.Name, shape, Enumerable.Repeat("x", count));
            }

            var size = Engine.TensorDataTypes.ElementSize(engineType);
            var data = new byte[count * size];
            for (var i = 0; i < count; i++)
            {
                var element = data.AsSpan(i * size, size);
                switch (input.Datatype)
                {
                    case "FP32":
                        BitConverter.TryWriteBytes(element, (float)((i * 0.618034) % 1.0));
                        break;
                    case "FP64":
                        BitConverter.TryWriteBytes(element, (i * 0.618034) % 1.0);
                        break;
                    case "FP16":
                        BitConverter.TryWriteBytes(element, (Half)((i * 0.618034) % 1.0));
                        break;
                    default:
                        element[0] = 1;
                        break;
                }
            }

            return new OipTensor(input.Name, input.Datatype, shape, data);
        }).ToArray();
    }
}
