using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using InferenceOperator.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Engine;

/// <summary>
/// The served model: loads it on the configured execution provider, warms it up, reports readiness (and why not),
/// validates requests against the model's signature, answers from the cache or queues for the batcher.
/// </summary>
internal sealed class InferenceEngine : IHostedLifecycleService, IDisposable
{
    private readonly ServingOptions options;
    private readonly ServingMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<InferenceEngine> logger;
    private readonly BusyTracker busy;
    private readonly ResponseCache? cache;
    private volatile OnnxModel? model;
    private volatile BatchScheduler? scheduler;
    private volatile string notReadyReason = "the model is loading";
    private volatile bool ready;
    private volatile bool stopping;
    private Task? loading;

    public InferenceEngine(IOptions<ServingOptions> options, ServingMetrics metrics, TimeProvider time, ILogger<InferenceEngine> logger)
    {
        this.options = options.Value;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        ModelName = this.options.EffectiveModelName;
        ModelVersion = this.options.ModelVersion;
        busy = new BusyTracker(time, this.options.Power.IdleWatts, this.options.Power.BusyWatts);
        if (this.options.Cache.Enabled)
        {
            cache = new ResponseCache(this.options.Cache.MaxBytes, this.options.Cache.TtlSeconds > 0 ? TimeSpan.FromSeconds(this.options.Cache.TtlSeconds) : null, time);
        }

        metrics.Initialise(ModelName);
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            var (ratio, joules) = busy.Sample();
            metrics.Utilisation(ModelName, ratio, joules);
        });
    }

    public string ModelName { get; }

    public string ModelVersion { get; }

    public bool IsReady => ready && !stopping;

    /// <summary>Why the model is not ready; null when it is.</summary>
    public string? NotReadyReason => IsReady ? null : stopping ? "the server is shutting down" : notReadyReason;

    public OnnxModel? Model => model;

    internal BatchScheduler? Scheduler => scheduler;

    /// <summary>Whether inference is running or queued now (request decoding then yields to it).</summary>
    public bool IsBusy => scheduler?.IsBusy ?? false;

    internal ResponseCache? Cache => cache;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Load in the background so liveness answers while a large model loads and warms up.
        loading = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes when loading and warm-up have finished (successfully or not).</summary>
    public Task WhenLoaded => loading ?? Task.CompletedTask;

    private void Load()
    {
        try
        {
            var threads = options.IntraOpThreads > 0 ? options.IntraOpThreads : CpuLimit.Detect();
            Log.Loading(logger, ModelName, options.ModelPath, options.ExecutionProvider, threads, options.Precision);
            var (loaded, provider) = OnnxModel.Load(options.ModelPath, options.ExecutionProvider, options.AllowCpuFallback, threads);
            if (loaded is null)
            {
                notReadyReason = provider.Reason!;
                Log.ProviderUnavailable(logger, ModelName, provider.Reason!);
                return;
            }

            if (provider.FellBack)
            {
                Log.ProviderFallback(logger, ModelName, provider.Requested, provider.Reason!);
                metrics.Fallback(ModelName, provider.Requested, provider.Actual);
            }

            metrics.Info(ModelName, ModelVersion, options.Precision, provider.Actual);
            var settings = new SchedulerSettings(options.MaxBatchSize, TimeSpan.FromMilliseconds(options.MaxQueueDelayMs), options.QueueCapacity);
            scheduler = new BatchScheduler(loaded, ModelName, settings, metrics, busy, time, logger);
            if (stopping)
            {
                scheduler.Drain();
            }

            model = loaded;
            if (options.Warmup && !WarmUp(loaded))
            {
                return;
            }

            ready = true;
            Log.Ready(logger, ModelName, ModelVersion, provider.Actual, scheduler.Batching, options.MaxBatchSize, options.MaxQueueDelayMs);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            notReadyReason = $"the model failed to load: {ex.Message}";
            Log.LoadFailed(logger, ex, ModelName, options.ModelPath);
        }
    }

    /// <summary>
    /// One run on inputs of the model's declared shape (dynamic dimensions as 1) before readiness: the first run
    /// allocates and plans, and a model that cannot run at all stays not ready instead of failing its first request.
    /// </summary>
    private bool WarmUp(OnnxModel loaded)
    {
        notReadyReason = "the model is warming up";
        var started = Stopwatch.GetTimestamp();
        try
        {
            loaded.Run(loaded.WarmupInputs(), loaded.Outputs.Select(o => o.Name).ToArray());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            notReadyReason = $"the warm-up run on inputs of the model's declared shapes failed: {ex.Message}";
            Log.WarmupFailed(logger, ex, ModelName);
            return false;
        }

        Log.WarmedUp(logger, ModelName, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The host calls this before it stops any service, the web server included: readiness goes false at once, and
    /// the batcher runs what is queued without waiting for fuller batches. The web server then stops accepting and
    /// waits for the requests it accepted; the batcher keeps running them until the container is disposed.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        scheduler?.Drain();
        Log.Stopping(logger, ModelName, scheduler?.Depth ?? 0);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Looks up the model by name and optional version; 404 when it is not this one.</summary>
    public void Resolve(string name, string? version)
    {
        if (!string.Equals(name, ModelName, StringComparison.Ordinal))
        {
            throw new InferenceException(ErrorKind.NotFound, $"model '{name}' is not served here (this server serves '{ModelName}')");
        }

        if (!string.IsNullOrEmpty(version) && !string.Equals(version, ModelVersion, StringComparison.Ordinal))
        {
            throw new InferenceException(ErrorKind.NotFound, $"model '{name}' has no version '{version}' (available: {ModelVersion})");
        }
    }

    /// <summary>The model's signature, or 503 while it is not loaded.</summary>
    public OnnxModel RequireModel() =>
        model ?? throw new InferenceException(ErrorKind.Unavailable, $"model '{ModelName}' is not ready: {NotReadyReason}");

    /// <summary>Validates and runs one request. <paramref name="timeout"/>: the client's deadline, or null for the default.</summary>
    public async Task<InferenceResponse> InferAsync(InferenceRequest request, TimeSpan? timeout, CancellationToken aborted)
    {
        var current = RequireModel();
        if (!ready)
        {
            throw new InferenceException(ErrorKind.Unavailable, $"model '{ModelName}' is not ready: {NotReadyReason}");
        }

        var (inputs, outputNames, rows) = Validate(current, request);

        CacheKey? key = null;
        if (cache is not null)
        {
            key = ResponseCache.Key(ModelName, ModelVersion, inputs, request.Outputs is null ? ["*"] : outputNames);
            var hit = cache.TryGet(key, out var cached);
            metrics.Cache(ModelName, hit);
            if (hit)
            {
                return new InferenceResponse { ModelName = ModelName, ModelVersion = ModelVersion, Id = request.Id, Outputs = cached, CacheHit = true };
            }
        }

        var limit = timeout ?? (options.DefaultDeadlineMs > 0 ? TimeSpan.FromMilliseconds(options.DefaultDeadlineMs) : null);
        if (limit is { } l && l <= TimeSpan.Zero)
        {
            throw new InferenceException(ErrorKind.DeadlineExceeded, "the request's deadline had passed before it could be queued; it was not run");
        }

        using var deadline = limit is { } d ? new CancellationTokenSource(d, time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        InferTensor[] outputs;
        try
        {
            outputs = await scheduler!.Enqueue(inputs, outputNames, rows, linked.Token).ConfigureAwait(false);
        }
        catch (InferenceException ex) when (ex.Kind == ErrorKind.DeadlineExceeded && aborted.IsCancellationRequested)
        {
            throw new InferenceException(ErrorKind.Cancelled, "the client went away while the request was queued; it was not run", ex);
        }

        if (key is not null)
        {
            cache!.Add(key, outputs);
        }
        return new InferenceResponse { ModelName = ModelName, ModelVersion = ModelVersion, Id = request.Id, Outputs = outputs };
    }

    /// <summary>
    /// Checks the request against the model's signature and puts inputs in model order. Every message names the
    /// input and the field that is wrong.
    /// </summary>
    private (InferTensor[] Inputs, string[] Outputs, int Rows) Validate(OnnxModel current, InferenceRequest request)
    {
        var expected = string.Join(", ", current.Inputs.Select(i => i.Name));
        var byName = new Dictionary<string, InferTensor>(StringComparer.Ordinal);
        foreach (var input in request.Inputs)
        {
            if (!byName.TryAdd(input.Name, input))
            {
                throw InferenceException.BadRequest($"input '{input.Name}' appears more than once in 'inputs'");
            }

            if (!current.Inputs.Any(i => i.Name == input.Name))
            {
                throw InferenceException.BadRequest($"input '{input.Name}' is not an input of model '{ModelName}' (expected: {expected})");
            }
        }

        var ordered = new InferTensor[current.Inputs.Count];
        long rows = -1;
        for (var i = 0; i < ordered.Length; i++)
        {
            var spec = current.Inputs[i];
            if (!byName.TryGetValue(spec.Name, out var input))
            {
                throw InferenceException.BadRequest($"input '{spec.Name}' is missing (model '{ModelName}' expects: {expected})");
            }

            if (input.DataType != spec.DataType)
            {
                throw InferenceException.BadRequest($"input '{spec.Name}': field 'datatype' is {input.DataType.Name()} but the model expects {spec.DataType.Name()}");
            }

            if (input.Shape.Length != spec.Shape.Length)
            {
                throw InferenceException.BadRequest($"input '{spec.Name}': field 'shape' {Shapes.Format(input.Shape)} has {input.Shape.Length} dimensions but the model expects {spec.Shape.Length} ({Shapes.Format(spec.Shape)})");
            }

            for (var d = 0; d < spec.Shape.Length; d++)
            {
                if (spec.Shape[d] >= 0 && input.Shape[d] != spec.Shape[d])
                {
                    throw InferenceException.BadRequest($"input '{spec.Name}': field 'shape' {Shapes.Format(input.Shape)} does not match the model's {Shapes.Format(spec.Shape)} at dimension {d}");
                }
            }

            if (current.HasBatchDimension)
            {
                if (rows >= 0 && input.Shape[0] != rows)
                {
                    throw InferenceException.BadRequest($"input '{spec.Name}': field 'shape' has batch dimension {input.Shape[0]} but other inputs have {rows}");
                }

                rows = input.Shape[0];
            }

            CheckFinite(input);
            ordered[i] = input;
        }

        string[] outputs;
        if (request.Outputs is null)
        {
            outputs = current.Outputs.Select(o => o.Name).ToArray();
        }
        else
        {
            outputs = new string[request.Outputs.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                var name = request.Outputs[i].Name;
                if (!current.Outputs.Any(o => o.Name == name))
                {
                    throw InferenceException.BadRequest($"output '{name}' in 'outputs' is not an output of model '{ModelName}' (available: {string.Join(", ", current.Outputs.Select(o => o.Name))})");
                }

                if (Array.IndexOf(outputs, name, 0, i) >= 0)
                {
                    throw InferenceException.BadRequest($"output '{name}' appears more than once in 'outputs'");
                }

                outputs[i] = name;
            }
        }

        return (ordered, outputs, rows < 0 ? 1 : checked((int)rows));
    }

    private void CheckFinite(InferTensor input)
    {
        if (options.AllowNonFinite || !input.DataType.IsFloatingPoint())
        {
            return;
        }

        var index = TensorChecks.FirstNonFinite(input.DataType, input.Data.Span);
        if (index >= 0)
        {
            throw InferenceException.BadRequest($"input '{input.Name}': field 'data' element {index} is NaN or infinite, which this server does not accept (AllowNonFinite=false)");
        }
    }

    public void Dispose()
    {
        scheduler?.Dispose();
        model?.Dispose();
    }
}

internal static class TensorChecks
{
    /// <summary>
    /// Index of the first NaN or infinity in little-endian floating-point data, or -1. A value is not finite exactly
    /// when its exponent bits are all ones, so whole vectors of elements are checked at once (an image is 150,528
    /// floats, checked on every request including cache hits).
    /// </summary>
    public static long FirstNonFinite(TensorDataType type, ReadOnlySpan<byte> data) => type switch
    {
        TensorDataType.Fp32 => FirstWithAllBitsSet(MemoryMarshal.Cast<byte, uint>(data), 0x7F80_0000u),
        TensorDataType.Fp64 => FirstWithAllBitsSet(MemoryMarshal.Cast<byte, ulong>(data), 0x7FF0_0000_0000_0000ul),
        TensorDataType.Fp16 => FirstWithAllBitsSet(MemoryMarshal.Cast<byte, ushort>(data), (ushort)0x7C00),
        _ => -1,
    };

    private static long FirstWithAllBitsSet<T>(ReadOnlySpan<T> values, T mask)
        where T : unmanaged, IBitwiseOperators<T, T, T>, IEqualityOperators<T, T, bool>
    {
        var vectorMask = new Vector<T>(mask);
        var i = 0;
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            if (Vector.EqualsAny(new Vector<T>(values[i..]) & vectorMask, vectorMask))
            {
                break; // the scalar loop below finds which element
            }
        }

        for (; i < values.Length; i++)
        {
            if ((values[i] & mask) == mask)
            {
                return i;
            }
        }

        return -1;
    }
}
